package dev.triplane.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.ingest.IngestProperties.Auth;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;

/** Who the API lets in, per mode, without a server: the default is closed, never open. */
class ApiSecurityTest {

    private static final String TOKEN = "a-static-token-of-at-least-32-characters";

    @Test
    void theDefaultWithoutAnIssuerOrKeyRefusesEveryToken() {
        AuthenticationManager callers = ApiSecurity.callers(new Auth(Auth.Mode.JWT, null), null);

        assertThatThrownBy(() -> callers.authenticate(new BearerTokenAuthenticationToken(TOKEN)))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("no JWT issuer or key");
    }

    @Test
    void theStaticTokenModeTakesExactlyItsToken() {
        AuthenticationManager callers = ApiSecurity.callers(new Auth(Auth.Mode.TOKEN, TOKEN), null);

        assertThat(callers.authenticate(new BearerTokenAuthenticationToken(TOKEN)).isAuthenticated()).isTrue();
        String[] wrongs = {TOKEN + "x", TOKEN.substring(1), TOKEN.toUpperCase(), TOKEN.replace("a", "b")};
        for (String wrong : wrongs) {
            assertThatThrownBy(() -> callers.authenticate(new BearerTokenAuthenticationToken(wrong)))
                    .isInstanceOf(AuthenticationException.class);
        }
    }

    @Test
    void theStaticTokenModeNeedsALongToken() {
        assertThatThrownBy(() -> new Auth(Auth.Mode.TOKEN, null)).hasMessageContaining("triplane.ingest.auth.token");
        assertThatThrownBy(() -> new Auth(Auth.Mode.TOKEN, "short")).hasMessageContaining("32 characters");
        assertThat(new Auth(Auth.Mode.TOKEN, TOKEN).toString()).doesNotContain(TOKEN);
    }
}
