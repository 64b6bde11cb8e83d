package goblog.dashboard;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.netflix.hystrix.dashboard.EnableHystrixDashboard;
import org.springframework.cloud.netflix.zuul.EnableZuulProxy;

/**
 * The operator console: the Hystrix dashboard UI at /hystrix (it proxies turbine.stream or
 * hystrix.stream from any host) and Zipkin's UI and API at /zipkin/ (a Zuul route, see
 * application.yml), both behind the operator's login ({@link OperatorSecurityConfiguration}).
 */
@SpringBootApplication
@EnableHystrixDashboard
@EnableZuulProxy
public class HystrixDashboardApplication {

    public static void main(String[] args) {
        SpringApplication.run(HystrixDashboardApplication.class, args);
    }
}
