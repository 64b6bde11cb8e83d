package goblog.dashboard;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The operator's login ({@code goblog.operator.*}): one user, its password held only as a bcrypt
 * hash in a file (on Swarm the Docker secret {@code operator_password_hash}, made per deployment by
 * deploy/make-secrets.sh). No file configured: the login is off (the local process landscape).
 */
@ConfigurationProperties(prefix = "goblog.operator")
public class OperatorLoginProperties {

    /** The operator's user name. */
    private String username = "operator";

    /**
     * A file holding the bcrypt hash of the operator's password ({@code $2a$}, {@code $2b$} or
     * {@code $2y$}, as htpasswd -B or mkpasswd -m bcrypt write it), one line. Empty: no login.
     */
    private String passwordHashFile = "";

    public String getUsername() {
        return username;
    }

    public void setUsername(String username) {
        this.username = username;
    }

    public String getPasswordHashFile() {
        return passwordHashFile;
    }

    public void setPasswordHashFile(String passwordHashFile) {
        this.passwordHashFile = passwordHashFile;
    }

    /** Whether the login is on: a hash file is configured. */
    public boolean isRequired() {
        return passwordHashFile != null && !passwordHashFile.isBlank();
    }
}
