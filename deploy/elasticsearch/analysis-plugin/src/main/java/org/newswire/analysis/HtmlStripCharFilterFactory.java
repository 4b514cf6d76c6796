package org.newswire.analysis;

import org.apache.lucene.analysis.charfilter.HTMLStripCharFilter;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.CharFilterFactory;
import org.elasticsearch.plugin.settings.AnalysisSettings;
import org.elasticsearch.plugin.settings.ListSetting;

import java.io.Reader;
import java.util.List;
import java.util.Set;

/**
 * The {@code html_strip} char filter: removes tags and decodes entities, except for the
 * tags named in {@code escaped_tags}. Like analysis-common it does not override normalize(),
 * so query terms are left as typed.
 */
@NamedComponent("html_strip")
public final class HtmlStripCharFilterFactory implements CharFilterFactory {

    @AnalysisSettings
    public interface Settings {
        @ListSetting(path = "escaped_tags")
        List<String> escapedTags();
    }

    private final Set<String> escapedTags; // null means "strip every tag"

    @Inject
    public HtmlStripCharFilterFactory(Settings settings) {
        List<String> tags = settings.escapedTags();
        this.escapedTags = tags.isEmpty() ? null : Set.copyOf(tags);
    }

    @Override
    public Reader create(Reader reader) {
        return new HTMLStripCharFilter(reader, escapedTags);
    }
}
