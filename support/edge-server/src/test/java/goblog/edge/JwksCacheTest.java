package goblog.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URL;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** JwksCache with a clock and a JWKS of the test's: when it fetches, and which keys it keeps. */
class JwksCacheTest {

    private final List<JWK> published = new ArrayList<>();
    private final AtomicInteger fetches = new AtomicInteger();
    private volatile boolean down;
    private Instant now = Instant.parse("2026-11-30T12:00:00Z");
    private JwksCache cache;

    @BeforeEach
    void setUp() throws Exception {
        ResourceRetriever retriever = (URL url) -> {
            fetches.incrementAndGet();
            if (down) {
                throw new IOException("connection refused");
            }
            return new Resource(new JWKSet(published).toPublicJWKSet().toString(), "application/json");
        };
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now;
            }
        };
        cache = new JwksCache(new URL("http://auth-server:9999/oauth2/jwks"), retriever, Duration.ofMinutes(5),
                Duration.ofSeconds(30), clock);
        published.add(EdgeResourceServerTest.rsa("k1", 2048));
    }

    private List<JWK> lookup(String kid) throws KeySourceException {
        return cache.get(new JWKSelector(new JWKMatcher.Builder().keyID(kid).build()), null);
    }

    @Test
    void fetchesOnceAndServesFromTheCache() throws Exception {
        for (int i = 0; i < 100; i++) {
            assertThat(lookup("k1")).hasSize(1);
        }
        assertThat(fetches.get()).isEqualTo(1);
    }

    @Test
    void anUnknownKidRefetchesAtMostOncePerInterval() throws Exception {
        lookup("k1");
        now = now.plusSeconds(31);
        published.add(EdgeResourceServerTest.rsa("k2", 2048));
        assertThat(lookup("k2")).hasSize(1);
        assertThat(fetches.get()).isEqualTo(2);

        for (int i = 0; i < 1000; i++) {
            assertThat(lookup("made-up-" + i)).isEmpty();
        }
        assertThat(fetches.get()).isEqualTo(2);
        now = now.plusSeconds(30);
        assertThat(lookup("made-up")).isEmpty();
        assertThat(fetches.get()).isEqualTo(3);
    }

    @Test
    void refreshesAfterFiveMinutesAndKeepsTheKeysWhenTheFetchFails() throws Exception {
        lookup("k1");
        now = now.plus(Duration.ofMinutes(5)).plusSeconds(1);
        down = true;
        assertThat(lookup("k1")).hasSize(1);
        assertThat(fetches.get()).isEqualTo(2);
    }

    @Test
    void withNoKeysYetItRetriesSoonButNotPerRequest() throws Exception {
        down = true;
        for (int i = 0; i < 10; i++) {
            assertThatThrownBy(() -> lookup("k1")).isInstanceOf(KeySourceException.class);
        }
        assertThat(fetches.get()).isEqualTo(1);
        now = now.plusSeconds(3);
        down = false;
        assertThat(lookup("k1")).hasSize(1);
        assertThat(fetches.get()).isEqualTo(2);
    }

    @Test
    void keepsOnlyKeysThatMayVerifyRs256() throws Exception {
        RSAKey strong = EdgeResourceServerTest.rsa("strong", 2048);
        assertThat(JwksCache.mayVerify(strong)).isTrue();
        assertThat(JwksCache.mayVerify(EdgeResourceServerTest.rsa("weak", 1024))).isFalse();
        assertThat(JwksCache.mayVerify(new RSAKey.Builder(strong).keyUse(KeyUse.ENCRYPTION).build())).isFalse();
        assertThat(JwksCache.mayVerify(new RSAKey.Builder(strong)
                .algorithm(com.nimbusds.jose.JWSAlgorithm.RS512).build())).isFalse();
        assertThat(JwksCache.mayVerify(new com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator(256).keyID("oct")
                .generate())).isFalse();
    }
}
