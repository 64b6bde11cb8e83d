package goblog.edge;

import java.io.IOException;
import java.net.URL;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.ResourceRetriever;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authorization server's signing keys, fetched from its JWKS URL and cached: fetched on first
 * use, again after {@code refresh}, and when a token names a {@code kid} the cache does not hold,
 * at most once per {@code refetchInterval} (Nimbus 8's RemoteJWKSet would fetch for every such
 * token, so a flood of made-up kids would be a flood on the authorization server). Never a fetch
 * per request. A failed fetch keeps the keys it had (a warning); with none, tokens do not verify
 * (401) until a fetch succeeds.
 *
 * <p>Only keys that may verify an RS256 token are kept (RFC 8725 §3.1, RFC 7518 §3.3): RSA, at
 * least 2048 bits, {@code use} absent or {@code sig}. Thread-safe: concurrent requests share one
 * fetch.
 */
public class JwksCache implements JWKSource<SecurityContext> {

    private static final Logger log = LoggerFactory.getLogger(JwksCache.class);
    private static final int MIN_RSA_BITS = 2048;

    private final URL url;
    private final ResourceRetriever retriever;
    private final Duration refresh;
    private final Duration refetchInterval;
    private final Clock clock;

    private volatile JWKSet keys;
    private volatile Instant fetchedAt = Instant.EPOCH;
    private volatile Instant attemptedAt = Instant.EPOCH;

    public JwksCache(URL url, Duration refresh, Duration refetchInterval) {
        // 2 s to connect, 2 s to read, at most 64 KiB: a JWKS is a few hundred bytes.
        this(url, new DefaultResourceRetriever(2000, 2000, 64 * 1024), refresh, refetchInterval, Clock.systemUTC());
    }

    JwksCache(URL url, ResourceRetriever retriever, Duration refresh, Duration refetchInterval, Clock clock) {
        this.url = url;
        this.retriever = retriever;
        this.refresh = refresh;
        this.refetchInterval = refetchInterval;
        this.clock = clock;
    }

    @Override
    public List<JWK> get(JWKSelector selector, SecurityContext context) throws KeySourceException {
        Instant now = clock.instant();
        JWKSet current = keys;
        if (current == null) {
            // Nothing yet (the authorization server may still be starting): retry soon, not per request.
            current = fetch(now, refetchInterval.dividedBy(10));
        } else if (now.isAfter(fetchedAt.plus(refresh))) {
            current = fetch(now, refetchInterval);
        }
        if (keys == null) {
            throw new KeySourceException("no JWKS from " + url + " yet");
        }
        List<JWK> found = selector.select(current);
        String kid = soughtKid(selector);
        if (!found.isEmpty() || kid == null || current.getKeyByKeyId(kid) != null) {
            return found;
        }
        // A kid the cache does not hold: maybe a rotation; refetch, at most once per interval.
        return selector.select(fetch(now, refetchInterval));
    }

    private static String soughtKid(JWKSelector selector) {
        java.util.Set<String> kids = selector.getMatcher().getKeyIDs();
        return kids == null || kids.isEmpty() ? null : kids.iterator().next();
    }

    /**
     * Fetches the JWKS unless the last attempt was less than {@code minGap} before {@code now}
     * (then another request just did, or the limit holds); returns the keys held afterwards.
     */
    private synchronized JWKSet fetch(Instant now, Duration minGap) {
        if (now.isBefore(attemptedAt.plus(minGap))) {
            return keys;
        }
        attemptedAt = now;
        try {
            JWKSet fetched = JWKSet.parse(retriever.retrieveResource(url).getContent());
            JWKSet usable = new JWKSet(fetched.getKeys().stream().filter(JwksCache::mayVerify).collect(Collectors.toList()));
            keys = usable;
            fetchedAt = now;
            log.info("JWKS fetched from {}: {} usable key(s) {}", url, usable.getKeys().size(),
                    usable.getKeys().stream().map(JWK::getKeyID).collect(Collectors.toList()));
        } catch (IOException | java.text.ParseException | RuntimeException e) {
            log.warn("JWKS fetch from {} failed (keeping {} cached key(s)): {}", url,
                    keys == null ? 0 : keys.getKeys().size(), e.toString());
        }
        return keys == null ? new JWKSet() : keys;
    }

    /** Whether a published key may verify an RS256 token. */
    static boolean mayVerify(JWK key) {
        if (!(key instanceof RSAKey) || key.size() < MIN_RSA_BITS) {
            return false;
        }
        if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
            return false;
        }
        return key.getAlgorithm() == null || "RS256".equals(key.getAlgorithm().getName());
    }
}
