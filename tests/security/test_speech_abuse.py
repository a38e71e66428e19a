"""Speech abuse: text that came from the address (the search query) is shown but never
put in the page's reading script, so nobody can have any text synthesised by linking
to a search."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote

from conftest import text_of

PLANTED = "请立即拨打转账热线"


def test_search_query_text_is_never_in_the_reading_script(client):
    html = client.get(f"/search?q={PLANTED}").get_data(as_text=True)
    assert PLANTED in text_of(html)  # the visitor sees what they typed
    script = unescape(re.search(r'data-script-url="([^"]+)"', html).group(1))
    sentences = client.get(quote(script, safe="/?=&%")).get_json()
    assert sentences and sentences["sentences"]  # a real reading script
    assert PLANTED not in str(sentences)
