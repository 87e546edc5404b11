"""`/healthz` and `/metrics` of a running bot (MEETBOT_METRICS_LISTEN)."""

import aiohttp

from tests.auxil.running import running_bot


async def test_health_and_metrics_of_a_running_bot(emulator, database_url, sessionmaker):
    async with running_bot(emulator, database_url, metrics_listen="127.0.0.1:0") as bot:
        cia = emulator.user(1, "Cia")
        for _ in range(2):
            await cia.send_command("help")
            await cia.wait_for(lambda m: "/language" in m.text)
        emulator.faults.next_429 = [1]
        await cia.send_command("help")
        await cia.wait_for(lambda m: "/language" in m.text, timeout=10)
        base = f"http://127.0.0.1:{bot.metrics_server.port}"
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/healthz") as answer:
                assert answer.status == 200 and await answer.text() == "ok\n"
            async with http.get(f"{base}/metrics") as answer:
                assert answer.status == 200 and answer.headers["Content-Type"].startswith("text/plain")
                body = await answer.text()
    lines = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
             if line and not line.startswith("#")}
    assert lines["meetbot_updates_handled_total"] == 3
    assert lines["meetbot_update_handling_seconds_count"] == 3
    assert lines["meetbot_messages_sent_total"] >= 3
    assert lines["meetbot_telegram_429_total"] == 1
    assert lines['meetbot_outbox_messages{status="pending"}'] == 0
    assert lines["meetbot_updates_waiting"] == 0
    assert lines["meetbot_jobs_due"] == 0 and lines["meetbot_jobs_lag_seconds"] == 0


async def test_healthz_says_so_when_a_worker_loop_has_stopped(emulator, database_url):
    async with running_bot(emulator, database_url, metrics_listen="127.0.0.1:0") as bot:
        sender = next(t for t in bot.tasks if t.get_name() == "sender")
        sender.cancel()
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{bot.metrics_server.port}/healthz") as answer:
                assert answer.status == 503 and "stopped" in await answer.text()
