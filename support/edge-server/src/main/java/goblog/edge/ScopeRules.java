package goblog.edge;

import java.util.List;

import javax.servlet.http.HttpServletRequest;

import org.springframework.http.HttpMethod;
import org.springframework.security.web.util.matcher.AntPathRequestMatcher;

/**
 * Which scope a request through the edge needs: the same rules as the services behind it
 * (docs/common-api.md, "bearer"; RFC 6749 §3.3 scopes). Ant patterns, never regular expressions
 * (CVE-2022-22978). GET covers HEAD, as in the Go services.
 *
 * <table>
 *   <caption>rules</caption>
 *   <tr><td>GET, HEAD /api/accounts/**</td><td>account:read</td></tr>
 *   <tr><td>any other method on /api/accounts/**</td><td>account:write</td></tr>
 *   <tr><td>GET, HEAD /api/file/**</td><td>account:read (imageservice's rule)</td></tr>
 * </table>
 * A request no rule matches needs a valid token and no scope, but the authorization server's
 * public endpoints ({@link #OPEN}), which need none.
 */
final class ScopeRules {

    static final String READ = "account:read";
    static final String WRITE = "account:write";

    /** Paths served without a token: the token endpoint and the metadata, routed to the auth-server. */
    static final String[] OPEN = {"/oauth2/**", "/.well-known/**", "/error"};

    private static final List<Rule> RULES = List.of(
            new Rule(HttpMethod.GET, "/api/accounts/**", READ),
            new Rule(HttpMethod.HEAD, "/api/accounts/**", READ),
            new Rule(null, "/api/accounts/**", WRITE),
            new Rule(HttpMethod.GET, "/api/file/**", READ),
            new Rule(HttpMethod.HEAD, "/api/file/**", READ));

    private ScopeRules() {
    }

    static List<Rule> rules() {
        return RULES;
    }

    /** The scope the request needs, or null when it needs none beyond a valid token. */
    static String scopeFor(HttpServletRequest request) {
        for (Rule rule : RULES) {
            if (rule.matcher().matches(request)) {
                return rule.scope();
            }
        }
        return null;
    }

    /** One rule: method (null: any) and Ant pattern to scope. */
    static final class Rule {
        private final HttpMethod method;
        private final String pattern;
        private final String scope;
        private final AntPathRequestMatcher matcher;

        Rule(HttpMethod method, String pattern, String scope) {
            this.method = method;
            this.pattern = pattern;
            this.scope = scope;
            this.matcher = new AntPathRequestMatcher(pattern, method == null ? null : method.name());
        }

        HttpMethod method() {
            return method;
        }

        String pattern() {
            return pattern;
        }

        String scope() {
            return scope;
        }

        AntPathRequestMatcher matcher() {
            return matcher;
        }
    }
}
