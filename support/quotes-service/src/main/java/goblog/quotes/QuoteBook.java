package goblog.quotes;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.springframework.stereotype.Component;

/** The built-in list of quotes, all in English. */
@Component
public class QuoteBook {

    static final String LANGUAGE = "en";

    private static final List<String> QUOTES = List.of(
            "To be or not to be, that is the question.",
            "The only thing we have to fear is fear itself.",
            "In the middle of difficulty lies opportunity.",
            "Simplicity is prerequisite for reliability.",
            "Premature optimization is the root of all evil.",
            "Talk is cheap. Show me the code.",
            "Any sufficiently advanced technology is indistinguishable from magic.",
            "There are only two hard things in Computer Science: cache invalidation and naming things.",
            "Make it work, make it right, make it fast.",
            "Do or do not. There is no try.",
            "Stay hungry, stay foolish.",
            "The best way to predict the future is to invent it.");

    /** Returns one quote chosen at random. */
    public String random() {
        return QUOTES.get(ThreadLocalRandom.current().nextInt(QUOTES.size()));
    }

    /** Returns every quote, in order. */
    public List<String> all() {
        return QUOTES;
    }
}
