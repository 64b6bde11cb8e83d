package goblog.authserver;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports a missing or bad secret file in one paragraph instead of a stack trace. */
class SecretFileFailureAnalyzer extends AbstractFailureAnalyzer<SecretFileException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, SecretFileException cause) {
        return new FailureAnalysis(
                "The auth-server cannot start: " + cause.getMessage() + ".",
                "Make the per-deployment secrets with deploy/make-secrets.sh (into .secrets/; on "
                        + "Swarm they reach the container as Docker secrets in /run/secrets/), or "
                        + "point the goblog.auth.* path at the right file (GOBLOG_AUTH_SECRETS_DIR "
                        + "moves all of them). A signing key is an RSA key of 2048 bits or more in "
                        + "PKCS#8 PEM: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048.",
                cause);
    }
}
