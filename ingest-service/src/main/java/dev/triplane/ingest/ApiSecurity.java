package dev.triplane.ingest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Who may call the HTTP API ({@link IngestProperties.Auth}): every request but {@code /actuator/health} (and its
 * liveness and readiness groups) needs {@code Authorization: Bearer <token>}, checked before the body is read; a
 * missing or bad token is answered 401 with a {@code WWW-Authenticate: Bearer} challenge. {@code /actuator/prometheus}
 * is behind the same check, so a scraper sends a token too. A context without a web server (inbox-only tests)
 * has no API to guard.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
class ApiSecurity {

    private static final Logger LOG = LoggerFactory.getLogger(ApiSecurity.class);

    @Bean
    SecurityFilterChain api(HttpSecurity http, IngestProperties properties, ObjectProvider<JwtDecoder> jwtDecoder)
            throws Exception {
        AuthenticationManager callers = callers(properties.auth(), jwtDecoder.getIfAvailable());
        return http
                .authorizeHttpRequests(requests -> requests.requestMatchers(EndpointRequest.to("health")).permitAll()
                        .anyRequest().authenticated())
                .oauth2ResourceServer(server -> server.authenticationManagerResolver(request -> callers))
                // bearer tokens in a header, no cookies: no session to keep and no request a browser could forge
                .sessionManagement(sessions -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable())
                .build();
    }

    /**
     * What accepts a bearer token: the JWT decoder Spring Boot builds from
     * {@code spring.security.oauth2.resourceserver.jwt.*}, or the static token; in mode {@code JWT} without a
     * decoder, nothing (the service is never open by omission).
     *
     * @param jwtDecoder the configured decoder, or null when none is configured
     */
    static AuthenticationManager callers(IngestProperties.Auth auth, JwtDecoder jwtDecoder) {
        return switch (auth.mode()) {
            case TOKEN -> staticToken(auth.token());
            case JWT -> {
                if (jwtDecoder != null) {
                    yield new ProviderManager(new JwtAuthenticationProvider(jwtDecoder));
                }
                LOG.error("triplane.ingest.auth.mode is JWT but no spring.security.oauth2.resourceserver.jwt"
                        + ".issuer-uri, jwk-set-uri or public-key-location is set: every API request is refused");
                yield authentication -> {
                    throw new InvalidBearerTokenException("no JWT issuer or key is configured");
                };
            }
        };
    }

    private static AuthenticationManager staticToken(String token) {
        byte[] expected = token.getBytes(StandardCharsets.UTF_8);
        return authentication -> {
            String presented = ((BearerTokenAuthenticationToken) authentication).getToken();
            // constant time: the comparison must not tell how many leading characters were right
            if (!MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.UTF_8))) {
                throw new InvalidBearerTokenException("invalid bearer token");
            }
            return UsernamePasswordAuthenticationToken.authenticated("static-token", null,
                    AuthorityUtils.NO_AUTHORITIES);
        };
    }
}
