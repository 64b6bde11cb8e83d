package goblog.configserver;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.config.server.EnableConfigServer;

/**
 * Spring Cloud Config Server for the goblog landscape. With
 * spring-cloud-config-monitor and the AMQP bus on the class path, POST /monitor
 * publishes a RefreshRemoteApplicationEvent on the springCloudBus exchange.
 */
@SpringBootApplication
@EnableConfigServer
public class ConfigServerApplication {

    public static void main(String[] args) {
        SpringApplication.run(ConfigServerApplication.class, args);
    }
}
