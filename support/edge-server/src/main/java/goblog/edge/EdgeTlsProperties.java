package goblog.edge;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where the edge's TLS certificate and key are ({@code goblog.edge.tls.*}). When
 * {@code certificate-file} is set the public port serves HTTPS only; when it is not, plain HTTP
 * (development), logged loudly at start.
 *
 * <ul>
 *   <li>{@code certificate-file}: PEM, the server certificate first, optionally followed by its
 *       chain (env {@code GOBLOG_EDGE_TLS_CERTIFICATE_FILE}).</li>
 *   <li>{@code key-file}: PEM, the certificate's private key, unencrypted PKCS#8
 *       ({@code -----BEGIN PRIVATE KEY-----}), RSA or EC (env {@code GOBLOG_EDGE_TLS_KEY_FILE}).</li>
 * </ul>
 * Both are made per deployment by {@code deploy/edge-tls.sh} and reach the container as Docker
 * secrets.
 */
@ConfigurationProperties("goblog.edge.tls")
public class EdgeTlsProperties {

    private Path certificateFile;
    private Path keyFile;

    public Path getCertificateFile() {
        return certificateFile;
    }

    public void setCertificateFile(Path certificateFile) {
        this.certificateFile = certificateFile;
    }

    public Path getKeyFile() {
        return keyFile;
    }

    public void setKeyFile(Path keyFile) {
        this.keyFile = keyFile;
    }

    /** Whether the public port is to serve HTTPS. */
    public boolean isEnabled() {
        return certificateFile != null;
    }
}
