package goblog.quotes;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.in;
import static org.hamcrest.Matchers.matchesPattern;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.web.servlet.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

@WebMvcTest(QuoteController.class)
@Import({QuoteBook.class, CpuBurner.class})
class QuoteControllerTest {

    @Autowired
    private MockMvc mvc;

    @Autowired
    private QuoteBook book;

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "4", "20"})
    void validStrengthReturnsAQuote(String strength) throws Exception {
        mvc.perform(get("/api/quote").param("strength", strength))
                .andExpect(status().isOk())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
                .andExpect(jsonPath("$.quote").value(in(book.all())))
                .andExpect(jsonPath("$.language").value("en"))
                .andExpect(jsonPath("$.ipAddress").value(matchesPattern("[^/]*/[^/]+:\\d+")));
    }

    @Test
    void missingStrengthDefaultsToZero() throws Exception {
        mvc.perform(get("/api/quote"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.language").value("en"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "21", "1000", "abc", "4.5", "99999999999"})
    void invalidStrengthIsABadRequestWithAJsonError(String strength) throws Exception {
        mvc.perform(get("/api/quote").param("strength", strength))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
                .andExpect(jsonPath("$.status").value(400))
                .andExpect(jsonPath("$.message").value(containsString("strength")));
    }
}
