package goblog.configserver;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.amqp.AmqpException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.messaging.MessagingException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * POST /monitor and /actuator/busrefresh publish on the bus; when RabbitMQ
 * cannot be reached that is 503 Service Unavailable (try again later), not a
 * 500. Other messaging failures keep Spring's default handling.
 */
@RestControllerAdvice
public class BusUnavailableAdvice {

    private static final Log log = LogFactory.getLog(BusUnavailableAdvice.class);

    @ExceptionHandler({MessagingException.class, AmqpException.class})
    public ResponseEntity<Map<String, Object>> busUnavailable(RuntimeException e) throws RuntimeException {
        AmqpException amqp = amqpCause(e);
        if (amqp == null) {
            throw e;
        }
        log.warn("Cannot publish on the bus, the broker is unreachable: " + amqp);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "UNAVAILABLE");
        body.put("description", "The message broker of the bus is unreachable: " + amqp.getMessage());
        return new ResponseEntity<>(body, HttpStatus.SERVICE_UNAVAILABLE);
    }

    private static AmqpException amqpCause(Throwable t) {
        for (Throwable c = t; c != null && c != c.getCause(); c = c.getCause()) {
            if (c instanceof AmqpException a) {
                return a;
            }
        }
        return null;
    }
}
