package goblog.authserver;

import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;

/**
 * Keeps no record of issued tokens. The access tokens are self-contained JWTs that every resource
 * server checks with the JWKS, and the client credentials grant issues no refresh token, so
 * nothing needs the record; the default in-memory service would keep every token ever issued
 * and grow without bound under the load tests. The cost: no introspection (RFC 7662) and no
 * revocation (RFC 7009); those endpoints are not served, a token lives until it expires.
 */
final class StatelessAuthorizationService implements OAuth2AuthorizationService {

    @Override
    public void save(OAuth2Authorization authorization) {
        // Nothing to keep: see the class comment.
    }

    @Override
    public void remove(OAuth2Authorization authorization) {
        // Nothing was kept.
    }

    @Override
    public OAuth2Authorization findById(String id) {
        return null;
    }

    @Override
    public OAuth2Authorization findByToken(String token, OAuth2TokenType tokenType) {
        return null;
    }
}
