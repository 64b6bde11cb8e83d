package goblog.edge;

import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.catalina.connector.Connector;
import org.apache.coyote.http11.AbstractHttp11JsseProtocol;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * HTTPS on the public port from a PEM certificate and key ({@link EdgeTlsProperties}), TLS 1.2 and
 * 1.3 only (RFC 8996 deprecates 1.0 and 1.1), Tomcat's default cipher list (OpenSSL
 * {@code HIGH:!aNULL:!eNULL:!EXPORT:!DES:!RC4:!MD5:!kRSA}: forward secrecy only). A plain-HTTP
 * request on that port gets Tomcat's 400 "This combination of host and port requires TLS" and
 * nothing else. Only the application's port: the actuator's management port (a child context
 * with its own Tomcat) stays plain HTTP on the overlay network, for the health check.
 *
 * <p>The files are checked at start: a missing or unreadable one stops the edge with a message
 * naming it, instead of an edge that silently serves plain HTTP.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(EdgeTlsProperties.class)
public class EdgeTlsConfiguration {

    /** The TLS versions the public port accepts, in Tomcat's syntax. */
    static final String PROTOCOLS = "TLSv1.2+TLSv1.3";

    private static final Logger log = LoggerFactory.getLogger(EdgeTlsConfiguration.class);

    @Bean
    public WebServerFactoryCustomizer<TomcatServletWebServerFactory> edgeTls(EdgeTlsProperties tls) {
        if (!tls.isEnabled()) {
            log.warn("TLS IS OFF: the public port serves plain HTTP (goblog.edge.tls.certificate-file is not set); "
                    + "every deployment must set it (deploy/edge-tls.sh makes the certificate)");
            return factory -> { };
        }
        Path certificate = readable("goblog.edge.tls.certificate-file", tls.getCertificateFile());
        Path key = readable("goblog.edge.tls.key-file", tls.getKeyFile());
        log.info("TLS on: {} with {}, key {}", PROTOCOLS, certificate, key);
        return factory -> factory.addConnectorCustomizers(connector -> enableTls(connector, certificate, key));
    }

    static void enableTls(Connector connector, Path certificate, Path key) {
        SSLHostConfig host = new SSLHostConfig();
        host.setProtocols(PROTOCOLS);
        SSLHostConfigCertificate cert = new SSLHostConfigCertificate(host, SSLHostConfigCertificate.Type.UNDEFINED);
        cert.setCertificateFile(certificate.toString());
        cert.setCertificateKeyFile(key.toString());
        host.addCertificate(cert);

        AbstractHttp11JsseProtocol<?> protocol = (AbstractHttp11JsseProtocol<?>) connector.getProtocolHandler();
        protocol.setSSLEnabled(true);
        connector.setScheme("https");
        connector.setSecure(true);
        connector.addSslHostConfig(host);
    }

    private static Path readable(String property, Path file) {
        if (file == null) {
            throw new IllegalStateException("The edge cannot start with TLS: " + property + " is not set. "
                    + "Make the files with deploy/edge-tls.sh (deploy/make-secrets.sh calls it).");
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalStateException("The edge cannot start with TLS: " + property + " " + file
                    + " is not a readable file. Make it with deploy/edge-tls.sh (deploy/make-secrets.sh calls it), "
                    + "or on Swarm check the edge-server's secrets.");
        }
        // Tomcat resolves a relative path against its own base directory, not the working one.
        return file.toAbsolutePath();
    }
}
