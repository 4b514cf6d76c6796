package org.newswire.analysis;

import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.miscellaneous.SetKeywordMarkerFilter;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;
import org.elasticsearch.plugin.settings.AnalysisSettings;
import org.elasticsearch.plugin.settings.ListSetting;
import org.tartarus.snowball.ext.FrenchStemmer;

import java.util.List;

/** The legacy {@code french_stem} token filter: Snowball French, skipping {@code stem_exclusion} words. */
@NamedComponent("french_stem")
public final class FrenchStemFilterFactory implements TokenFilterFactory {

    @AnalysisSettings
    public interface Settings {
        @ListSetting(path = "stem_exclusion")
        List<String> stemExclusion();
    }

    private final CharArraySet exclusions;

    @Inject
    public FrenchStemFilterFactory(Settings settings) {
        this.exclusions = WordSets.plainWords(settings.stemExclusion(), false, CharArraySet.EMPTY_SET);
    }

    @Override
    public TokenStream create(TokenStream tokenStream) {
        return new SnowballFilter(new SetKeywordMarkerFilter(tokenStream, exclusions), new FrenchStemmer());
    }
}
