package goblog.edge;

import java.util.Locale;

import brave.Span;
import brave.Tracer;
import com.netflix.zuul.ZuulFilter;
import com.netflix.zuul.context.RequestContext;

import org.springframework.cloud.netflix.zuul.filters.ZuulProperties;
import org.springframework.cloud.netflix.zuul.filters.ZuulProperties.ZuulRoute;
import org.springframework.cloud.netflix.zuul.filters.support.FilterConstants;
import org.springframework.stereotype.Component;

/**
 * Names the edge's server span after the Zuul route a request matched, as
 * {@code get /api/accounts/**} (lower-case method, the route's path under the
 * global prefix), and tags it {@code http.route}: Zipkin's trace list then
 * tells requests apart, where every root span was {@code edge-server: get}.
 * The path pattern, not the raw path, so the names stay few (one per route and
 * method) whatever ids the requests carry. A request that matched no route
 * keeps Sleuth's name.
 *
 * <p>Runs as a Zuul pre filter right after {@code PreDecorationFilter}, which
 * puts the matched route's id in the request context ({@code proxy}); the
 * server span Sleuth's servlet filter started is the current span there.
 */
@Component
public class RouteSpanNameFilter extends ZuulFilter {

    static final String ROUTE_TAG = "http.route";

    private final Tracer tracer;
    private final ZuulProperties properties;

    public RouteSpanNameFilter(Tracer tracer, ZuulProperties properties) {
        this.tracer = tracer;
        this.properties = properties;
    }

    @Override
    public String filterType() {
        return FilterConstants.PRE_TYPE;
    }

    @Override
    public int filterOrder() {
        return FilterConstants.PRE_DECORATION_FILTER_ORDER + 1;
    }

    @Override
    public boolean shouldFilter() {
        return RequestContext.getCurrentContext().get(FilterConstants.PROXY_KEY) != null;
    }

    @Override
    public Object run() {
        RequestContext ctx = RequestContext.getCurrentContext();
        String route = routePattern((String) ctx.get(FilterConstants.PROXY_KEY));
        Span span = tracer.currentSpan();
        if (route == null || span == null) {
            return null;
        }
        span.name(ctx.getRequest().getMethod().toLowerCase(Locale.ROOT) + " " + route);
        span.tag(ROUTE_TAG, route);
        return null;
    }

    /** The path pattern clients use for route {@code id}, e.g. /api/accounts/**; null if unknown. */
    String routePattern(String id) {
        ZuulRoute route = id == null ? null : properties.getRoutes().get(id);
        if (route == null || route.getPath() == null) {
            return null;
        }
        String prefix = properties.getPrefix() == null ? "" : properties.getPrefix();
        return prefix + route.getPath();
    }
}
