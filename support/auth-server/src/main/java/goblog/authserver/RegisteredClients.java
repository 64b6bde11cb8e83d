package goblog.authserver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.server.authorization.client.InMemoryRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;

/** Turns the configured clients into Spring Authorization Server's registered clients. */
final class RegisteredClients {

    private RegisteredClients() {
    }

    /**
     * One {@link RegisteredClient} per configured client: the client credentials grant only,
     * authenticated with HTTP Basic or form parameters (RFC 6749 §2.3.1), self-contained JWT
     * access tokens of the configured lifetime. The secret is read from its file and kept only
     * as the encoder's hash.
     *
     * @throws SecretFileException when a secret file is missing, unreadable or empty
     */
    static RegisteredClientRepository from(AuthServerProperties properties, PasswordEncoder encoder) {
        TokenSettings tokens = TokenSettings.builder()
                .accessTokenTimeToLive(properties.accessTokenTtl())
                .build();
        List<RegisteredClient> clients = properties.clients().stream()
                .map(client -> RegisteredClient.withId(client.id())
                        .clientId(client.id())
                        .clientSecret(encoder.encode(readSecret(client)))
                        .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                        .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_POST)
                        .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                        .scopes(scopes -> scopes.addAll(client.scopes()))
                        .clientSettings(ClientSettings.builder().requireAuthorizationConsent(false).build())
                        .tokenSettings(tokens)
                        .build())
                .toList();
        return new InMemoryRegisteredClientRepository(clients);
    }

    static String readSecret(AuthServerProperties.Client client) {
        String what = "the secret of client " + client.id();
        Path file = client.secretFile();
        String secret;
        try {
            secret = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            throw new SecretFileException(what, file, "no such file", e);
        } catch (IOException e) {
            throw new SecretFileException(what, file, "cannot read it (" + e + ")", e);
        }
        if (secret.isEmpty()) {
            throw new SecretFileException(what, file, "the file is empty", null);
        }
        return secret;
    }
}
