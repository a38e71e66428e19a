"""Speech readout benchmark (the target: audio for a 500-character page ready in
≤ 0.5 s uncached, ≤ 20 ms cached; ≤ 4 KB per second of audio).

    .venv/bin/python -m bench.speech [--runs N]

Serves a page of 500 Chinese characters through the app (Flask test client), then
times: the whole page's MP3 with an empty audio cache, its first sentence alone with
an empty cache (what the JavaScript player waits for before it starts), the same MP3s
again from the cache, and the cost the reading script adds to rendering the page.
Engine start-up (once per server process, done in the background at the first
request) is reported on its own; the uncached times are with the workers running."""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARAGRAPHS = [
    "根据国家有关规定，职工达到法定退休年龄，并且累计缴费满十五年的，可以按月领取基本养老金。",
    "退休一件事把养老金申领、医保待遇变更、公积金提取等十项手续合在一起，只需申请一次。",
    "平台已经掌握您的身份证、社保缴费记录和银行卡信息，不需要再上传这些材料。",
    "请在退休前一个月内提出申请。办理时间一般为十五个工作日，办结后会发送短信通知。",
    "如果您有视同缴费年限或者特殊工种经历，请在下一步说明，并准备好相关证明材料。",
    "每一步的回答都会自动保存。您可以随时停下来，下次登录后从上次停下的地方继续办理。",
    "提交以后十分钟之内，可以在我的办件里撤回申请。撤回后，已经填写的内容仍然保留。",
    "如有疑问，可以拨打政务服务热线一二三四五，或者到就近的政务服务中心窗口咨询办理。",
]


def page_content() -> str:
    """The <main> content: 500 characters of Chinese text in a service page's shape."""
    body, total = [], 0
    for text in PARAGRAPHS * 3:
        if total + len(text) > 500:
            text = text[:500 - total]
        body.append(f"<p>{text}</p>")
        total += len(text)
        if total >= 500:
            break
    return "<h1>退休一件事</h1>" + "".join(body), total + len("退休一件事")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.speech")
    parser.add_argument("--runs", type=int, default=7, help="runs of each timing (median shown)")
    args = parser.parse_args(argv)

    data_dir = Path(tempfile.mkdtemp(prefix="yiban-bench-speech-"))
    os.environ["YIBAN_DATA_DIR"] = str(data_dir)
    from flask import render_template_string

    from app import create_app
    from app.speech import engine, script, state

    app = create_app({"RATELIMIT_ENABLED": False, "SPEECH_PREWARM": False})
    content, chars = page_content()

    @app.get("/_bench")
    def bench_page():
        return render_template_string(
            '{% extends "base.html" %}{% block title %}退休一件事{% endblock %}'
            "{% block content %}" + content + "{% endblock %}")

    client = app.test_client()
    client.set_cookie("yiban_display", "speech=1")  # the script is stored as the page renders
    html = client.get("/_bench").get_data(as_text=True)
    script_id = html.split('data-script-url="/speech/', 1)[1][:32]
    with app.test_request_context():
        stored = state().scripts.load(script_id)
    main_sentences = [n for n, s in enumerate(stored.sentences) if s["main"]]
    page_url = f"/speech/{script_id}.mp3?rate=1"
    first_url = f"/speech/{script_id}/{main_sentences[0]}.mp3?rate=1"
    cache_dir = data_dir / "speech"

    def timed(url: str, clear: bool) -> tuple[float, bytes]:
        if clear:
            shutil.rmtree(cache_dir, ignore_errors=True)
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200, (url, response.status_code)
        return elapsed, response.data

    start = time.perf_counter()
    engine.warm_up()
    start_up = time.perf_counter() - start

    uncached_page = [timed(page_url, clear=True)[0] for _ in range(args.runs)]
    uncached_first = [timed(first_url, clear=True)[0] for _ in range(args.runs)]
    _, audio = timed(page_url, clear=False)
    cached_page = [timed(page_url, clear=False)[0] for _ in range(args.runs * 5)]
    cached_first = [timed(first_url, clear=False)[0] for _ in range(args.runs * 5)]

    build = []
    for _ in range(args.runs * 5):
        start = time.perf_counter()
        script.build(html)
        build.append(time.perf_counter() - start)
    render = []
    for _ in range(args.runs * 5):
        start = time.perf_counter()
        client.get("/_bench")
        render.append(time.perf_counter() - start)

    seconds = audio_seconds(audio)
    median = statistics.median
    print(f"page: {chars} Chinese characters in <main>, {len(main_sentences)} sentences "
          f"read; {len(audio):,} bytes of MP3, {seconds:.1f} s of speech")
    print(f"engine start-up (2 workers, once per process): {ms(start_up)}")
    print(f"uncached, whole page MP3:     {ms(median(uncached_page))}  (median of {args.runs}; "
          f"min {ms(min(uncached_page)).strip()}, max {ms(max(uncached_page)).strip()})")
    print(f"uncached, first sentence MP3: {ms(median(uncached_first))}  (what the player waits for)")
    print(f"cached, whole page MP3:       {ms(median(cached_page))}  (median of {len(cached_page)}; "
          f"max {ms(max(cached_page)).strip()})")
    print(f"cached, one sentence MP3:     {ms(median(cached_first))}")
    print(f"bytes per second of audio:    {len(audio) / seconds:,.0f} B/s (budget 4,096)")
    print(f"reading script, build only:   {ms(median(build))} per page view;"
          f" page view with it: {ms(median(render))}")
    engine.shutdown()
    shutil.rmtree(data_dir, ignore_errors=True)
    return 0


def audio_seconds(mp3: bytes) -> float:
    try:
        import miniaudio
    except ImportError:  # without the test extras: MPEG-2 layer III frames at 24 kbit/s
        from app.speech import encode
        return len(mp3) * 8 / (encode.BIT_RATE * 1000)
    return miniaudio.decode(mp3, nchannels=1, sample_rate=16000).duration


if __name__ == "__main__":
    sys.exit(main())
