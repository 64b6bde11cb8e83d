package goblog.edge;

import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

import com.netflix.zuul.exception.ZuulException;
import org.apache.http.NoHttpResponseException;
import org.apache.http.conn.ConnectTimeoutException;
import org.apache.http.conn.ConnectionPoolTimeoutException;

import org.springframework.cloud.commons.httpclient.ApacheHttpClientConnectionManagerFactory;
import org.springframework.cloud.commons.httpclient.ApacheHttpClientFactory;
import org.springframework.cloud.netflix.zuul.filters.ProxyRequestHelper;
import org.springframework.cloud.netflix.zuul.filters.ZuulProperties;
import org.springframework.cloud.netflix.zuul.filters.route.SimpleHostRoutingFilter;
import org.springframework.http.HttpStatus;

/**
 * Zuul's URL routing filter, answering a failed forward with a gateway status
 * instead of Zuul's blanket 500: 504 Gateway Timeout when the downstream did
 * not connect or answer in time, 502 Bad Gateway when it could not be reached
 * at all (refused, unknown host, closed without a response). Anything else
 * keeps Zuul's own status.
 */
public class GatewayErrorRoutingFilter extends SimpleHostRoutingFilter {

    public GatewayErrorRoutingFilter(ProxyRequestHelper helper, ZuulProperties properties,
                                     ApacheHttpClientConnectionManagerFactory connectionManagerFactory,
                                     ApacheHttpClientFactory httpClientFactory) {
        super(helper, properties, connectionManagerFactory, httpClientFactory);
    }

    @Override
    protected ZuulException handleException(Exception ex) {
        ZuulException zuul = super.handleException(ex);
        HttpStatus status = statusFor(ex);
        if (status == null) {
            return zuul;
        }
        return new ZuulException(ex, "Forwarding error", status.value(), status.getReasonPhrase() + ": " + ex);
    }

    /** The gateway status for a forwarding failure, or null to keep Zuul's. */
    static HttpStatus statusFor(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof ConnectTimeoutException || t instanceof SocketTimeoutException
                    || t instanceof ConnectionPoolTimeoutException) {
                return HttpStatus.GATEWAY_TIMEOUT;
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof UnknownHostException || t instanceof NoHttpResponseException) {
                return HttpStatus.BAD_GATEWAY;
            }
            if (t instanceof InterruptedIOException) {
                return HttpStatus.GATEWAY_TIMEOUT;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}
