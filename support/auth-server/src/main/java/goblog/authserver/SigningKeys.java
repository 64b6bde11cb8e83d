package goblog.authserver;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.List;
import org.springframework.security.converter.RsaKeyConverters;

/**
 * The RSA keys of the server: the active one signs every token, the retired ones are only
 * published in the JWKS. Each key's {@code kid} is its RFC 7638 JWK thumbprint (SHA-256,
 * base64url), so it depends on the key alone: the same file gives the same {@code kid} after a
 * restart, on every replica, and tokens signed before a restart still verify.
 *
 * @param active  the signing key, with its private half
 * @param retired public halves of earlier signing keys
 */
public record SigningKeys(RSAKey active, List<RSAKey> retired) {

    /** RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used" with RS256. */
    static final int MIN_BITS = 2048;

    /**
     * Loads the active key and the retired ones.
     *
     * @throws SecretFileException when a file is missing, unreadable, not a PKCS#8 PEM RSA
     *                             private key, or shorter than 2048 bits
     */
    public static SigningKeys load(Path activeFile, List<Path> retiredFiles) {
        RSAKey active = read("the signing key (goblog.auth.signing-key-file)", activeFile);
        List<RSAKey> retired = new ArrayList<>();
        for (Path file : retiredFiles) {
            RSAKey key = read("a retired signing key (goblog.auth.retired-key-files)", file);
            if (!key.getKeyID().equals(active.getKeyID())) {
                retired.add(key.toPublicJWK());
            }
        }
        return new SigningKeys(active, List.copyOf(retired));
    }

    /** Every public key, the active one first: what {@code /oauth2/jwks} serves. */
    public List<JWK> published() {
        List<JWK> keys = new ArrayList<>();
        keys.add(active);
        keys.addAll(retired);
        return keys;
    }

    static RSAKey read(String what, Path file) {
        RSAPrivateKey privateKey;
        try (InputStream in = Files.newInputStream(file)) {
            privateKey = RsaKeyConverters.pkcs8().convert(in);
        } catch (NoSuchFileException e) {
            throw new SecretFileException(what, file, "no such file", e);
        } catch (IOException e) {
            throw new SecretFileException(what, file, "cannot read it (" + e + ")", e);
        } catch (IllegalArgumentException e) {
            throw new SecretFileException(what, file,
                    "not an RSA private key in PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)", e);
        }
        if (!(privateKey instanceof RSAPrivateCrtKey crt)) {
            throw new SecretFileException(what, file,
                    "the key lacks its CRT parameters, so its public half cannot be derived", null);
        }
        if (crt.getModulus().bitLength() < MIN_BITS) {
            throw new SecretFileException(what, file, "the key has " + crt.getModulus().bitLength()
                    + " bits, RS256 needs at least " + MIN_BITS + " (RFC 7518 §3.3)", null);
        }
        try {
            RSAPublicKey publicKey = (RSAPublicKey) KeyFactory.getInstance("RSA")
                    .generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
            return new RSAKey.Builder(publicKey)
                    .privateKey(privateKey)
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.RS256)
                    .keyIDFromThumbprint()
                    .build();
        } catch (GeneralSecurityException | JOSEException e) {
            throw new SecretFileException(what, file, "cannot derive its public key (" + e + ")", e);
        }
    }
}
