package org.newswire.analysis;

import org.elasticsearch.plugin.settings.AnalysisSettings;
import org.elasticsearch.plugin.settings.BooleanSetting;
import org.elasticsearch.plugin.settings.ListSetting;

import java.util.List;

/** Settings shared by the language analyzers (same keys as analysis-common; no *_path variants). */
@AnalysisSettings
public interface LanguageAnalyzerSettings {

    /** Words, {@code _lang_} set names, or {@code _none_}; empty means the language's default set. */
    @ListSetting(path = "stopwords")
    List<String> stopwords();

    @BooleanSetting(path = "stopwords_case", defaultValue = false)
    boolean stopwordsIgnoreCase();

    /** Words that must not be stemmed; {@code _none_} or empty means none. */
    @ListSetting(path = "stem_exclusion")
    List<String> stemExclusion();
}
