package dev.triplane.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What docker-compose.yml must say about one TriPlane service, as a list of problems (empty when right). */
final class ComposeChecks {

    private ComposeChecks() {
    }

    static List<String> problems(ComposeFile compose, ServiceConfiguration service) {
        String name = service.module();
        List<String> problems = new ArrayList<>();
        if (compose.service(name).isEmpty()) {
            return List.of(name + ": no such compose service");
        }
        Map<String, String> environment = compose.environment(name);
        List<String> checked = environment.keySet().stream()
                .filter(key -> key.startsWith("TRIPLANE_") || key.startsWith("SPRING_")).toList();
        for (String unknown : service.unknown(checked)) {
            problems.add(name + ": environment " + unknown + " binds to no property of the service");
        }
        List<String> ports = new ArrayList<>(compose.ports(name));
        ports.addAll(compose.expose(name));
        if (ports.isEmpty()) {
            problems.add(name + ": neither ports nor expose names server.port " + service.serverPort());
        }
        for (String port : ports) {
            // host:container, container, or ip:host:container, optionally with /tcp.
            for (String part : port.replaceFirst("/tcp$", "").split(":")) {
                if (part.matches("\\d+") && Integer.parseInt(part) != service.serverPort()) {
                    problems.add(name + ": port " + port + " is not server.port " + service.serverPort());
                    break;
                }
            }
        }
        List<String> healthcheck = compose.healthcheck(name);
        if (healthcheck.isEmpty() || !healthcheck.get(healthcheck.size() - 1).equals(
                Integer.toString(service.serverPort()))) {
            problems.add(name + ": healthcheck " + healthcheck + " does not probe port " + service.serverPort());
        }
        return problems;
    }
}
