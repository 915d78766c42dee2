// The collector's IT dashboard in a real browser (Debian's Chromium, headless, through
// playwright-core). Started by scripts/steps/dashboard.sh after it seeded the fixed fleet of
// tests/src/bin/seed_fleet.rs; every figure checked here is one that fleet must produce.
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

const BASE = process.env.DASHBOARD_URL;
const PASSWORD = process.env.DASHBOARD_PASSWORD;
// The description tests/src/bin/seed_fleet.rs files with inc-seed-lost.
const HOSTILE = `=HYPERLINK("http://evil.example") <script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"> & 'left on the bus'`;
let passed = 0;
let failed = 0;

async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`PASS ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e && e.message ? e.message.split("\n")[0] : e}`);
  }
}

function equal(actual, expected, what) {
  if (actual !== expected) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

async function main() {
  // Without a session, nothing but the sign-in form.
  await check("without a session the dashboard, CSV and JSON are refused", async () => {
    for (const p of ["/dashboard", "/dashboard/export.csv", "/dashboard/report.json"]) {
      const r = await fetch(BASE + p, { redirect: "manual" });
      equal(r.status, 401, p);
      const text = await r.text();
      if (text.includes("ward-dev-") || text.includes("staff-")) throw new Error(`${p} leaks data`);
    }
  });
  await check("a forged session cookie is refused", async () => {
    const r = await fetch(BASE + "/dashboard/export.csv", {
      headers: { cookie: `frontline_dashboard=v1.9999999999999.AAAA.AAAA` },
    });
    equal(r.status, 401, "status");
  });

  // A fresh user-data-dir per browser (playwright passes it as --user-data-dir).
  const launch = (dir) =>
    chromium.launchPersistentContext(dir, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      acceptDownloads: true,
      args: [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
      ],
    });
  const context = await launch(path.join(process.env.USER_DATA_DIR, "admin"));
  try {
    context.setDefaultTimeout(10000);
    const page = context.pages()[0] || (await context.newPage());

    await check("the sign-in form is shown and a wrong password is refused", async () => {
      const r = await page.goto(BASE + "/dashboard");
      equal(r.status(), 401, "status");
      await page.fill("#password", "not-the-password");
      await page.click("#sign-in");
      await page.waitForSelector("#login-problem");
      equal((await page.textContent("#login-problem")).trim(), "Wrong password.", "message");
    });

    await check("the admin signs in with a HttpOnly, Secure, SameSite=Strict session", async () => {
      await page.fill("#password", PASSWORD);
      await Promise.all([page.waitForNavigation(), page.click("#sign-in")]);
      equal(new URL(page.url()).pathname, "/dashboard", "landed on");
      await page.waitForSelector("#checks");
      const cookies = await context.cookies();
      const session = cookies.find((c) => c.name === "frontline_dashboard");
      if (!session) throw new Error("no session cookie");
      equal(session.httpOnly, true, "HttpOnly");
      equal(session.secure, true, "Secure");
      equal(session.sameSite, "Strict", "SameSite");
      equal(session.path, "/dashboard", "Path");
      equal(await page.evaluate(() => document.cookie), "", "invisible to scripts");
    });

    const fig = async (name) => {
      const el = await page.$(`[data-figure="${name}"]`);
      if (!el) throw new Error(`no figure ${name}`);
      return (await el.textContent()).trim();
    };

    await check("totals: 10 devices, 38 reports, 7 compliant, 1 refresher overdue", async () => {
      equal(await fig("devices"), "10", "devices");
      // 9 posture + 20 training + 6 advisory acknowledgements + 3 incidents.
      equal(await fig("reports"), "38", "reports");
      equal(await fig("compliant-devices"), "7", "compliant");
      equal(await fig("overdue"), "1", "overdue");
    });

    await check("compliance by check: screen_lock 7 pass 2 fail, os_version 2 warn", async () => {
      equal(await fig("check:screen_lock:pass"), "7", "screen_lock pass");
      equal(await fig("check:screen_lock:fail"), "2", "screen_lock fail");
      equal(await fig("check:os_version:warn"), "2", "os_version warn");
      equal(await fig("check:encryption:pass"), "9", "encryption pass");
      const bars = await page.$$("#chart-checks rect");
      if (bars.length < 4) throw new Error(`chart has ${bars.length} bars`);
    });

    await check("compliance by device: verdicts, and a device that never reported is unknown", async () => {
      equal(await fig("device:ward-dev-00:verdict"), "compliant", "dev 00");
      equal(await fig("device:ward-dev-07:verdict"), "non_compliant", "dev 07");
      equal(await fig("device:ward-dev-09:verdict"), "unknown", "dev 09");
      const rows = await page.$$("#devices tbody tr");
      equal(rows.length, 10, "device rows");
    });

    await check("the device filter (the page's script) narrows the table", async () => {
      await page.fill("#device-filter", "ward-dev-07");
      const visible = await page.$$eval("#devices tbody tr", (rows) => rows.filter((r) => !r.hidden).length);
      equal(visible, 1, "visible rows");
      await page.fill("#device-filter", "");
    });

    await check("training by module against the DSPT 95% line", async () => {
      equal(await fig("module:data-security-awareness:rate"), "90%", "DSA rate");
      equal(await fig("module:data-security-awareness:dspt"), "not met", "DSA line");
      equal(await fig("module:phishing:rate"), "100%", "phishing rate");
      equal(await fig("module:phishing:dspt"), "met", "phishing line");
      const line = await page.$("#chart-modules line.dspt");
      if (!line) throw new Error("no DSPT line in the chart");
    });

    await check("training by team", async () => {
      equal(await fig("team:ward-a:data-security-awareness:rate"), "100%", "ward-a DSA");
      equal(await fig("team:ward-b:data-security-awareness:rate"), "80%", "ward-b DSA");
      equal(await fig("team:ward-b:data-security-awareness:staff"), "5", "ward-b staff");
    });

    await check("overdue refreshers and advisories acknowledged", async () => {
      const days = Number(await fig("overdue:staff-00:phishing"));
      if (!(days >= 34 && days <= 36)) throw new Error(`days overdue ${days}`);
      equal(await fig("advisory:adv-2026-001"), "6", "acknowledged by");
    });

    await check("only pseudonyms: no names or keys on the page", async () => {
      const html = await page.content();
      for (const bad of ["public_key", "report_json", "enrolment_token"]) {
        if (html.includes(bad)) throw new Error(`page mentions ${bad}`);
      }
    });

    await check("incidents: 3 new (2 urgent), urgent first, pseudonyms only", async () => {
      equal(await fig("incidents:new"), "3", "new");
      equal(await fig("incidents:urgent-new"), "2", "urgent new");
      equal(await fig("incidents:triaged"), "0", "triaged");
      equal(await fig("incidents:closed"), "0", "closed");
      const order = await page.$$eval("#incidents tbody tr", (rows) => rows.map((r) => r.dataset.incident));
      equal(order.length, 3, "incident rows");
      equal(order[2], "inc-seed-phish", "the one not urgent comes last");
      for (const id of ["inc-seed-lost", "inc-seed-phish", "inc-seed-card"]) {
        equal(await fig(`incident:${id}:status`), "new", id);
      }
      const cells = await page.$$eval("#incidents tbody tr", (rows) => rows.map((r) => r.cells[6].textContent));
      for (const c of cells) {
        if (!/^staff-0[123]$/.test(c)) throw new Error(`reporter shown as ${c}`);
      }
    });

    await check("a hostile incident description is shown as text, never run", async () => {
      equal(await fig("incident:inc-seed-lost:description"), HOSTILE, "description text");
      const injected = await page.$$eval("#incidents img, #incidents script", (els) => els.length);
      equal(injected, 0, "elements injected");
      equal(await page.evaluate(() => window.__pwned), undefined, "script ran");
    });

    await check("an incident's status changes through its form (new -> triaged, new -> closed)", async () => {
      const row = (id) => `#incidents tr[data-incident="${id}"]`;
      await page.selectOption(`${row("inc-seed-lost")} select[name=status]`, "triaged");
      await Promise.all([page.waitForNavigation(), page.click(`${row("inc-seed-lost")} button`)]);
      equal(new URL(page.url()).pathname, "/dashboard", "back on");
      equal(await fig("incident:inc-seed-lost:status"), "triaged", "lost");
      await page.selectOption(`${row("inc-seed-phish")} select[name=status]`, "closed");
      await Promise.all([page.waitForNavigation(), page.click(`${row("inc-seed-phish")} button`)]);
      equal(await fig("incident:inc-seed-phish:status"), "closed", "phish");
      equal(await fig("incidents:new"), "1", "new");
      equal(await fig("incidents:urgent-new"), "1", "urgent new");
      equal(await fig("incidents:triaged"), "1", "triaged");
      equal(await fig("incidents:closed"), "1", "closed");
    });

    await check("a status change without the CSRF token or from another origin is refused", async () => {
      const cookie = (await context.cookies()).find((c) => c.name === "frontline_dashboard");
      const token = await page.getAttribute("#incidents input[name=csrf]", "value");
      const envelope = await page.getAttribute(
        '#incidents tr[data-incident="inc-seed-card"] input[name=envelope_id]', "value");
      const post = (body, origin) =>
        fetch(BASE + "/dashboard/incidents/status", {
          method: "POST",
          redirect: "manual",
          headers: {
            cookie: `frontline_dashboard=${cookie.value}`,
            "content-type": "application/x-www-form-urlencoded",
            ...(origin ? { origin } : {}),
          },
          body,
        });
      equal((await post(`envelope_id=${envelope}&status=closed`)).status, 403, "no token");
      equal((await post(`csrf=${token}x&envelope_id=${envelope}&status=closed`)).status, 403, "wrong token");
      equal((await post(`csrf=${token}&envelope_id=${envelope}&status=closed`, "https://evil.example")).status,
        403, "foreign origin");
      const anonymous = await fetch(BASE + "/dashboard/incidents/status", {
        method: "POST", redirect: "manual", body: `csrf=${token}&envelope_id=${envelope}&status=closed`,
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      equal(anonymous.status, 401, "no session");
      await page.goto(BASE + "/dashboard");
      equal(await fig("incident:inc-seed-card:status"), "new", "unchanged");
    });

    await check("incidents CSV export: statuses, pseudonyms, formulas neutralised", async () => {
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-incidents")]);
      const file = path.join(process.env.DOWNLOADS, "incidents.csv");
      await download.saveAs(file);
      const lines = fs.readFileSync(file, "utf8").trim().split("\n");
      equal(lines.length, 4, "header and three incidents");
      if (!lines[0].startsWith("envelope_id,incident_id,device_id,kind,urgent,")) throw new Error(lines[0]);
      const lost = lines.find((l) => l.includes(",inc-seed-lost,"));
      if (!lost || !lost.includes(",ward-dev-01,lost_or_stolen_device,true,")) throw new Error(`lost: ${lost}`);
      if (!lost.includes(",triaged,true,staff-01,")) throw new Error(`lost status: ${lost}`);
      if (!lost.includes(`"'=HYPERLINK(""http://evil.example"")`)) throw new Error(`formula not neutralised: ${lost}`);
      const phish = lines.find((l) => l.includes(",inc-seed-phish,"));
      if (!phish || !phish.includes(",closed,false,staff-02,")) throw new Error(`phish: ${phish}`);
    });

    await check("CSV export downloads the same figures", async () => {
      await page.goto(BASE + "/dashboard");
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-csv")]);
      const file = path.join(process.env.DOWNLOADS, "report.csv");
      await download.saveAs(file);
      const csv = fs.readFileSync(file, "utf8");
      for (const line of [
        "# compliance_by_check",
        "screen_lock,7,2,0,0,0",
        "data-security-awareness,10,9,0,0,1,0.900",
        "adv-2026-001,6,",
        "ward-b,data-security-awareness,5,4,0.800",
      ]) {
        if (!csv.includes(line)) throw new Error(`CSV lacks ${line}`);
      }
    });

    await check("a cross-site POST is refused even with the session", async () => {
      const status = await page.evaluate(async () => {
        const r = await fetch("/dashboard/logout", { method: "POST", headers: { "sec-fetch-site": "cross-site" } });
        return r.status;
      }).catch(() => null);
      // Browsers forbid scripts to set Sec-Fetch-*; then check with a forged Origin from Node.
      const cookie = (await context.cookies()).find((c) => c.name === "frontline_dashboard");
      const r = await fetch(BASE + "/dashboard/logout", {
        method: "POST",
        redirect: "manual",
        headers: { origin: "https://evil.example", cookie: `frontline_dashboard=${cookie.value}` },
      });
      equal(r.status, 403, "cross-origin logout");
      if (status !== null && status !== 303 && status !== 200 && status !== 403) {
        throw new Error(`same-page logout answered ${status}`);
      }
    });

    await check("a fresh browser profile without the session is refused", async () => {
      const other = await launch(path.join(process.env.USER_DATA_DIR, "stranger"));
      try {
        const p = other.pages()[0] || (await other.newPage());
        const r = await p.goto(BASE + "/dashboard/report.json");
        equal(r.status(), 401, "status");
      } finally {
        await other.close();
      }
    });

    await page.goto(BASE + "/dashboard");
    await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });

    await check("sign-out ends the session in the browser", async () => {
      await Promise.all([page.waitForNavigation(), page.click("#sign-out")]);
      const r = await page.goto(BASE + "/dashboard");
      equal(r.status(), 401, "after sign-out");
    });
  } finally {
    await context.close();
  }
}

main()
  .catch((e) => {
    failed++;
    console.log(`FAIL browser run: ${e && e.stack ? e.stack : e}`);
  })
  .finally(() => {
    fs.writeFileSync(process.env.RESULT_FILE, `Browser ${passed} ${failed}\n`);
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed === 0 && passed > 0 ? 0 : 1);
  });
