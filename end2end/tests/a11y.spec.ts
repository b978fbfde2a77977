import AxeBuilder from "@axe-core/playwright";
import { expect, Page, test, TestInfo } from "@playwright/test";
import { fileQuestion, jsOn, ready, signIn } from "./helpers";

// axe-core on every page, as each role sees it, in Russian and in English:
// any WCAG 2.1 A/AA violation fails the test, naming the page and the rule.

const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

async function check(page: Page, info: TestInfo, path: string, lang: string, found: string[]) {
  await page.goto(path);
  await ready(page, info);
  await expect(page.locator("html")).toHaveAttribute("lang", lang);
  const result = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  for (const v of result.violations) {
    const where = v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ");
    found.push(`${lang} ${path}: ${v.id} (${v.impact}) — ${v.help} — ${where}`);
  }
}

/** Signed in as `login` in `lang`, the pages are checked; the person's
 * language is set back to Russian whatever happens. */
async function asPerson(page: Page, info: TestInfo, login: string, lang: string, paths: string[], found: string[]) {
  await page.context().clearCookies();
  await signIn(page, info, login);
  if (lang === "en") await page.getByRole("button", { name: "English" }).click();
  try {
    for (const path of paths) await check(page, info, path, lang, found);
  } finally {
    if (lang === "en") {
      await page.goto("/requests");
      await page.getByRole("button", { name: "Русский" }).click();
      await expect(page.locator("html")).toHaveAttribute("lang", "ru");
    }
  }
}

for (const lang of ["ru", "en"]) {
  test(`no WCAG 2.1 A/AA violation on any page (${lang})`, async ({ page, request }, info) => {
    // axe runs as a script in the page, so only with JavaScript on; the
    // pages without it are the same server-rendered markup.
    test.skip(!jsOn(info), "axe needs the page's JavaScript");
    test.setTimeout(240_000);
    const found: string[] = [];
    const t = await fileQuestion(request, `Доступность ${lang} ${info.project.name} ${Date.now()}`);

    await page.context().clearCookies();
    if (lang === "ru") {
      await check(page, info, "/login", "ru", found);
      await check(page, info, "/login?error=bad_credentials", "ru", found);
    }
    // An article of the knowledge base, from its list.
    await signIn(page, info, "ivanova");
    await page.goto("/kb");
    await ready(page, info);
    const hrefs = await page.locator("main a").evaluateAll((links) => links.map((a) => a.getAttribute("href") ?? ""));
    const article = hrefs.find((h) => /^\/kb\/\d+$/.test(h));
    expect(article, "an article to look at").toBeDefined();
    await asPerson(page, info, "ivanova", lang, [
      "/requests",
      "/requests/new",
      "/requests/new?kind=payment_clarification",
      `/requests/${t.id}`,
      "/kb",
      "/kb?q=ключ",
      article!,
      "/notifications",
    ], found);
    // The accounting unit works the question: its executor, then its head.
    await asPerson(page, info, "sokolova", lang, [
      "/queue",
      `/queue?q=${t.number}`,
      `/requests/${t.id}`,
      "/queue/register",
      "/queue/register?kind=other",
      "/kb/new",
      "/kb/templates",
    ], found);
    await asPerson(page, info, "volkov", lang, [
      "/reports",
      "/reports?unit=BUH&period=custom&from=2026-03-10&to=2026-03-01",
      "/reports/meeting",
      `/requests/${t.id}`,
    ], found);
    await asPerson(page, info, "admin", lang, ["/admin/calendar", "/admin/calendar?year=2026&month=5"], found);

    expect(found, found.join("\n")).toEqual([]);
  });
}
