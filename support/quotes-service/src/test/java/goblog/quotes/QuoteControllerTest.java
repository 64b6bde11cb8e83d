package goblog.quotes;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.in;
import static org.hamcrest.Matchers.matchesPattern;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.jwt;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.web.servlet.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.JwtRequestPostProcessor;
import org.springframework.test.web.servlet.MockMvc;

/** The API with a reader's token (the token's own checks: {@link QuotesAuthTest}). */
@WebMvcTest(controllers = QuoteController.class, properties = {
        "goblog.quotes.auth.required=true", "goblog.quotes.auth.jwks-url=http://localhost:1/never-fetched"})
@Import({QuoteBook.class, CpuBurner.class, SecurityConfiguration.class})
class QuoteControllerTest {

    private static JwtRequestPostProcessor reader() {
        return jwt().authorities(new SimpleGrantedAuthority("SCOPE_account:read"));
    }

    @Autowired
    private MockMvc mvc;

    @Autowired
    private QuoteBook book;

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "4", "20"})
    void validStrengthReturnsAQuote(String strength) throws Exception {
        mvc.perform(get("/api/quote").param("strength", strength).with(reader()))
                .andExpect(status().isOk())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
                .andExpect(jsonPath("$.quote").value(in(book.all())))
                .andExpect(jsonPath("$.language").value("en"))
                .andExpect(jsonPath("$.ipAddress").value(matchesPattern("[^/]*/[^/]+:\\d+")));
    }

    @Test
    void missingStrengthDefaultsToZero() throws Exception {
        mvc.perform(get("/api/quote").with(reader()))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.language").value("en"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "21", "1000", "abc", "4.5", "99999999999"})
    void invalidStrengthIsABadRequestWithAJsonError(String strength) throws Exception {
        mvc.perform(get("/api/quote").param("strength", strength).with(reader()))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
                .andExpect(jsonPath("$.status").value(400))
                .andExpect(jsonPath("$.message").value(containsString("strength")));
    }

    @Test
    void noTokenIsUnauthorizedWithTheBearerChallengeAndAJsonError() throws Exception {
        mvc.perform(get("/api/quote"))
                .andExpect(status().isUnauthorized())
                .andExpect(header().string("WWW-Authenticate", "Bearer realm=\"goblog\""))
                .andExpect(header().string("Cache-Control", "no-store"))
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
                .andExpect(jsonPath("$.error").value(containsString("Authorization: Bearer")));
    }

    @Test
    void aTokenWithoutAccountReadIsForbidden() throws Exception {
        mvc.perform(get("/api/quote").with(jwt().authorities(new SimpleGrantedAuthority("SCOPE_account:write"))))
                .andExpect(status().isForbidden())
                .andExpect(header().string("WWW-Authenticate",
                        "Bearer realm=\"goblog\", error=\"insufficient_scope\", scope=\"account:read\""))
                .andExpect(jsonPath("$.error").value("insufficient scope: account:read required"));
    }
}
