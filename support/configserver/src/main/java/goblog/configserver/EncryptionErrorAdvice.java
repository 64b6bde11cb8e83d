package goblog.configserver;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.cloud.config.server.encryption.EncryptionController;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Turns malformed input to /encrypt and /decrypt into 400 instead of 500,
 * and a missing key into the controller's own 404 NO_KEY.
 *
 * <p>EncryptionController maps the failures it expects (wrong key, not hex)
 * itself, and its own handlers still win. Some malformed cipher texts slip
 * through: a hex string shorter than the salt and IV, for example, makes the
 * AES decryptor throw ArrayIndexOutOfBoundsException, which Spring would
 * answer with 500. Those are the caller's input errors, so they get the same
 * body the controller uses for an invalid cipher.
 */
@RestControllerAdvice(assignableTypes = EncryptionController.class)
public class EncryptionErrorAdvice {

    private static final Log log = LogFactory.getLog(EncryptionErrorAdvice.class);

    @ExceptionHandler({IndexOutOfBoundsException.class, IllegalArgumentException.class,
            IllegalStateException.class})
    public ResponseEntity<Map<String, Object>> malformedInput(RuntimeException e) {
        log.warn("Rejected malformed encryption input: " + e);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "INVALID");
        body.put("description", "Malformed input for the encryption service");
        return new ResponseEntity<>(body, HttpStatus.BAD_REQUEST);
    }

    /**
     * Without ENCRYPT_KEY the server's encryptor refuses to encrypt with
     * UnsupportedOperationException; answer like the controller's own NO_KEY
     * case (404) instead of 500.
     */
    @ExceptionHandler(UnsupportedOperationException.class)
    public ResponseEntity<Map<String, Object>> noKey(UnsupportedOperationException e) {
        log.warn("Encryption requested but no key is installed (set ENCRYPT_KEY): " + e.getMessage());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "NO_KEY");
        body.put("description", "No key was installed for encryption service");
        return new ResponseEntity<>(body, HttpStatus.NOT_FOUND);
    }
}
