package org.newswire.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;
import org.elasticsearch.plugin.settings.AnalysisSettings;
import org.elasticsearch.plugin.settings.StringSetting;

import java.util.function.UnaryOperator;

/** The {@code stemmer} token filter; {@code language} (or legacy {@code name}) defaults to Porter English. */
@NamedComponent("stemmer")
public final class StemmerFilterFactory implements TokenFilterFactory {

    @AnalysisSettings
    public interface Settings {
        @StringSetting(path = "language", defaultValue = "")
        String language();

        @StringSetting(path = "name", defaultValue = "porter")
        String legacyName();
    }

    private final UnaryOperator<TokenStream> stemmer;

    @Inject
    public StemmerFilterFactory(Settings settings) {
        this.stemmer = Stemmers.forLanguage(settings.language().isEmpty() ? settings.legacyName() : settings.language());
        Stemmers.check(stemmer);
    }

    @Override
    public TokenStream create(TokenStream tokenStream) {
        return stemmer.apply(tokenStream);
    }
}
