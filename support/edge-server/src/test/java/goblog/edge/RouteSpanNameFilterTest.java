package goblog.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import brave.ScopedSpan;
import brave.Tracing;
import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.TraceContext;
import com.netflix.zuul.context.RequestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.cloud.netflix.zuul.filters.ZuulProperties;
import org.springframework.cloud.netflix.zuul.filters.support.FilterConstants;
import org.springframework.mock.web.MockHttpServletRequest;

/**
 * What Zipkin's trace list shows for a request through the edge: the server
 * span named by method and route pattern, the same name for every account id.
 */
class RouteSpanNameFilterTest {

    private final List<MutableSpan> finished = new CopyOnWriteArrayList<>();
    private Tracing tracing;
    private RouteSpanNameFilter filter;

    @BeforeEach
    void setUp() {
        tracing = Tracing.newBuilder().addSpanHandler(new SpanHandler() {
            @Override
            public boolean end(TraceContext context, MutableSpan span, Cause cause) {
                finished.add(span);
                return true;
            }
        }).build();
        ZuulProperties properties = new ZuulProperties();
        properties.setPrefix("/api");
        ZuulProperties.ZuulRoute accounts = new ZuulProperties.ZuulRoute();
        accounts.setId("accounts");
        accounts.setPath("/accounts/**");
        properties.getRoutes().put("accounts", accounts);
        filter = new RouteSpanNameFilter(tracing.tracer(), properties);
    }

    @AfterEach
    void tearDown() {
        RequestContext.getCurrentContext().unset();
        tracing.close();
    }

    private String spanNameFor(String method, String uri, String routeId) {
        RequestContext ctx = RequestContext.getCurrentContext();
        ctx.setRequest(new MockHttpServletRequest(method, uri));
        if (routeId != null) {
            ctx.set(FilterConstants.PROXY_KEY, routeId);
        }
        ScopedSpan span = tracing.tracer().startScopedSpan("get");
        try {
            if (filter.shouldFilter()) {
                filter.run();
            }
        } finally {
            span.finish();
        }
        return finished.get(finished.size() - 1).name();
    }

    @Test
    void namesTheSpanByMethodAndRoutePattern() {
        assertThat(spanNameFor("GET", "/api/accounts/10000", "accounts")).isEqualTo("get /api/accounts/**");
        assertThat(finished.get(0).tag(RouteSpanNameFilter.ROUTE_TAG)).isEqualTo("/api/accounts/**");
    }

    @Test
    void givesEveryIdOfARouteTheSameName() {
        assertThat(spanNameFor("GET", "/api/accounts/10001", "accounts"))
                .isEqualTo(spanNameFor("GET", "/api/accounts/10002", "accounts"));
        assertThat(spanNameFor("POST", "/api/accounts", "accounts")).isEqualTo("post /api/accounts/**");
    }

    @Test
    void keepsSleuthsNameWhenNoRouteMatched() {
        assertThat(spanNameFor("GET", "/nowhere", null)).isEqualTo("get");
        assertThat(spanNameFor("GET", "/api/x", "unknown-route")).isEqualTo("get");
    }
}
