package goblog.dashboard;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.annotation.web.configuration.WebSecurityConfigurerAdapter;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;

/**
 * The operator's login in front of everything this app serves (the dashboard at /hystrix, its
 * /proxy.stream, Zipkin at /zipkin/) but {@code /actuator/health}, the container's health check
 * (status only, no details). HTTP basic (RFC 7617) with realm {@value #REALM}: a request without
 * valid credentials gets 401 with {@code WWW-Authenticate: Basic realm="goblog operator"} and no
 * data. After a login the browser's session cookie carries it, so the bcrypt check runs once per
 * session, not per request (the dashboard's stream and Zipkin's UI make many).
 *
 * <p>The password is known here only as a bcrypt hash ({@link OperatorLoginProperties}); a hash
 * file that is configured but unreadable or not bcrypt stops the start, naming the file. With no
 * file configured every request passes, with a WARN at start: the local process landscape, which
 * a developer runs on their own machine.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSecurity
@EnableConfigurationProperties(OperatorLoginProperties.class)
public class OperatorSecurityConfiguration extends WebSecurityConfigurerAdapter {

    static final String REALM = "goblog operator";

    /** A bcrypt hash as BCryptPasswordEncoder accepts it: version, cost, 53 characters of salt and hash. */
    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]?\\$\\d\\d\\$[./0-9A-Za-z]{53}");

    private static final Logger log = LoggerFactory.getLogger(OperatorSecurityConfiguration.class);

    private final OperatorLoginProperties operator;

    public OperatorSecurityConfiguration(OperatorLoginProperties operator) {
        this.operator = operator;
    }

    @Override
    protected void configure(HttpSecurity http) throws Exception {
        if (!operator.isRequired()) {
            log.warn("NO OPERATOR LOGIN (goblog.operator.password-hash-file is not set): anyone who reaches "
                    + "this port sees the dashboard, every stream it proxies and Zipkin's traces");
            http.authorizeRequests().anyRequest().permitAll();
            return;
        }
        log.info("operator login on: user {}, bcrypt hash from {}", operator.getUsername(), operator.getPasswordHashFile());
        http.authorizeRequests()
                .antMatchers("/actuator/health").permitAll()
                .anyRequest().authenticated()
                .and()
                // No saved request (that is for form logins): a refused request opens no session.
                .requestCache().disable()
                .httpBasic().realmName(REALM);
    }

    /** The one operator, or nobody when the login is off (never Boot's generated password). */
    @Bean
    UserDetailsService operatorUsers() {
        InMemoryUserDetailsManager users = new InMemoryUserDetailsManager();
        if (operator.isRequired()) {
            users.createUser(User.withUsername(operator.getUsername())
                    .password(readHash(Path.of(operator.getPasswordHashFile())))
                    .roles("OPERATOR")
                    .build());
        }
        return users;
    }

    @Bean
    PasswordEncoder passwordEncoder() {
        return new BCryptPasswordEncoder();
    }

    /** The bcrypt hash in file (its first line, trimmed), or an IllegalStateException saying what is wrong. */
    static String readHash(Path file) {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("The operator's password hash file " + file + " cannot be read ("
                    + e + "): make it with deploy/make-secrets.sh, or unset goblog.operator.password-hash-file", e);
        }
        String hash = content.lines().findFirst().orElse("").trim();
        if (!BCRYPT.matcher(hash).matches()) {
            throw new IllegalStateException("The operator's password hash file " + file
                    + " does not hold a bcrypt hash ($2a$/$2b$/$2y$, cost, 53 characters) on its first line");
        }
        return hash;
    }
}
