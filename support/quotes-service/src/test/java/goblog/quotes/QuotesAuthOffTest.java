package goblog.quotes;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.web.servlet.AutoConfigureMockMvc;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.web.servlet.MockMvc;

/** The default (dev profile, make landscape): tokens not checked, the API answers without one. */
@SpringBootTest
@AutoConfigureMockMvc
class QuotesAuthOffTest {

    @Autowired
    private MockMvc mvc;

    @Test
    void withTokensNotRequiredTheApiAnswersWithoutOne() throws Exception {
        mvc.perform(get("/api/quote")).andExpect(status().isOk());
    }

    @Test
    void aGarbageTokenIsIgnoredToo() throws Exception {
        mvc.perform(get("/api/quote").header("Authorization", "Bearer garbage")).andExpect(status().isOk());
    }
}
