package goblog.quotes;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * GET /api/quote?strength=N: a random quote, served after burning CPU for the
 * requested strength. Strength defaults to 0; anything that is not an integer
 * in [0, 20] is a 400 with a JSON error body.
 */
@RestController
public class QuoteController {

    private final QuoteBook book;
    private final CpuBurner burner;
    private final String host;

    public QuoteController(QuoteBook book, CpuBurner burner) {
        this.book = book;
        this.burner = burner;
        this.host = hostIdentity();
    }

    @GetMapping(path = "/api/quote", produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<?> quote(@RequestParam(name = "strength", required = false) String strength,
                                   HttpServletRequest request) {
        int n;
        try {
            n = parseStrength(strength);
        } catch (IllegalArgumentException e) {
            return badRequest(e.getMessage(), request);
        }
        burner.burn(n);
        Quote body = new Quote(book.random(), host + ":" + request.getLocalPort(), QuoteBook.LANGUAGE);
        return ResponseEntity.ok(body);
    }

    /** Parses the strength parameter; a missing or blank value means 0. */
    static int parseStrength(String raw) {
        if (raw == null || raw.isBlank()) {
            return CpuBurner.MIN_STRENGTH;
        }
        int n;
        try {
            n = Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("strength must be an integer between "
                    + CpuBurner.MIN_STRENGTH + " and " + CpuBurner.MAX_STRENGTH + ", got '" + raw + "'");
        }
        if (n < CpuBurner.MIN_STRENGTH || n > CpuBurner.MAX_STRENGTH) {
            throw new IllegalArgumentException("strength must be between "
                    + CpuBurner.MIN_STRENGTH + " and " + CpuBurner.MAX_STRENGTH + ", got " + n);
        }
        return n;
    }

    private static ResponseEntity<Map<String, Object>> badRequest(String message, HttpServletRequest request) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", HttpStatus.BAD_REQUEST.value());
        body.put("error", HttpStatus.BAD_REQUEST.getReasonPhrase());
        body.put("message", message);
        body.put("path", request.getRequestURI());
        return ResponseEntity.badRequest().contentType(MediaType.APPLICATION_JSON).body(body);
    }

    /** "hostname/ip" of this host, as InetAddress prints it (the container's overlay address on Swarm). */
    private static String hostIdentity() {
        try {
            return InetAddress.getLocalHost().toString();
        } catch (UnknownHostException e) {
            return InetAddress.getLoopbackAddress().toString();
        }
    }
}
