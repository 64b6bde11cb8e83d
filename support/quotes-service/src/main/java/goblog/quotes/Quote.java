package goblog.quotes;

/** The JSON body of GET /api/quote, field names as the Go accountservice expects them. */
public record Quote(String quote, String ipAddress, String language) {
}
