// The one HTML/SVG escape every page and chart writes text through.
#include "report/markup.hpp"

#include <gtest/gtest.h>

using namespace troupe::runtime;

TEST(HtmlEscape, EscapesTheFiveCharactersThatEndTextOrQuotedAttributes) {
  EXPECT_EQ(html_escape("a&b <i> \"q\" 'p'"), "a&amp;b &lt;i&gt; &quot;q&quot; &#39;p&#39;");
}

TEST(HtmlEscape, LeavesOtherTextAsItIs) {
  EXPECT_EQ(html_escape("node-1 (cpu) 0.86 %"), "node-1 (cpu) 0.86 %");
  EXPECT_EQ(html_escape(""), "");
}
