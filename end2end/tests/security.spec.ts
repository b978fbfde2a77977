import { expect, test } from "@playwright/test";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { jsOn, ready, signIn } from "./helpers";

// Files on the new-request form, and what protects a signed-in browser:
// the Content-Security-Policy the hydrated pages work under, forms posted
// from another site refused, and sign-in that stays on this site.

const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);

test("a new request carries its files, and a refusal keeps what was typed", async ({ page }, info) => {
  const subject = `Ключ со сканом (${info.project.name}) ${Date.now()}`;
  await signIn(page, info, "ivanova");
  await page.goto("/requests/new?kind=esign_key");
  await ready(page, info);
  // The subject is forgotten: the form comes back with the rest kept.
  await page.getByLabel("Для какой системы нужен ключ").selectOption("sed");
  await page.getByLabel("Что нужно сделать").selectOption("renewal");
  await page.getByLabel("Владелец ключа (фамилия, имя, отчество)").fill("Иванова Анна Сергеевна");
  await page.getByLabel("Описание").fill("Скан заявления приложен");
  await page.getByLabel("Файлы к обращению").setInputFiles([
    { name: "заявление.png", mimeType: "image/png", buffer: png },
    { name: "страница.html", mimeType: "text/html", buffer: Buffer.from("<html></html>") },
  ]);
  await page.getByRole("button", { name: "Отправить обращение" }).click();
  await expect(page.locator("#form-error")).toContainText("Файл «страница.html» не подходит");
  await expect(page.locator("#e-file")).toContainText("страница.html");
  await expect(page.getByLabel("Описание")).toHaveValue("Скан заявления приложен");
  await expect(page.getByLabel("Владелец ключа (фамилия, имя, отчество)")).toHaveValue("Иванова Анна Сергеевна");
  if (!jsOn(info)) {
    // A browser never refills a file input: the page names the files to choose again.
    await expect(page.locator("#e-file-again")).toContainText("заявление.png, страница.html");
  }
  await page.getByLabel("Тема").fill(subject);
  await page.getByLabel("Файлы к обращению").setInputFiles([{ name: "заявление.png", mimeType: "image/png", buffer: png }]);
  await page.getByRole("button", { name: "Отправить обращение" }).click();
  await expect(page).toHaveURL(/\/requests\/\d+\?created=1/);
  await expect(page.locator("ul.files")).toContainText("заявление.png");
  const download = page.waitForEvent("download");
  await page.locator("ul.files a", { hasText: "заявление.png" }).click();
  expect((await download).suggestedFilename()).toBe("заявление.png");
});

test("pages hydrate and work under the Content-Security-Policy", async ({ page }, info) => {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text());
  });
  const first = await page.goto("/login");
  expect(first?.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'wasm-unsafe-eval'/);
  await ready(page, info);
  await signIn(page, info, "kuznetsova");
  for (const path of ["/", "/queue", "/requests/new?kind=esign_key", "/kb", "/reports", "/reports/meeting", "/notifications"]) {
    await page.goto(path);
    await ready(page, info);
  }
  expect(violations).toEqual([]);
});

test("a form posted from another site is refused and the session stays", async ({ page }, info) => {
  await signIn(page, info, "ivanova");
  const base = new URL(page.url()).origin;
  // Another port of the same host: the same site, so the cookie travels.
  const evil: Server = createServer((_, res) => {
    res.setHeader("content-type", "text/html; charset=utf-8");
    res.end(`<form method="post" action="${base}/auth/logout"><button>Выиграть приз</button></form>`);
  });
  await new Promise<void>((done) => evil.listen(0, "127.0.0.1", done));
  try {
    const port = (evil.address() as AddressInfo).port;
    await page.goto(`http://127.0.0.1:${port}/`);
    const answer = page.waitForResponse((r) => r.url() === `${base}/auth/logout`);
    await page.getByRole("button", { name: "Выиграть приз" }).click();
    expect((await answer).status()).toBe(403);
    await expect(page.locator("body")).toContainText("cross_site");
  } finally {
    evil.close();
  }
  await page.goto("/");
  await ready(page, info);
  await expect(page.getByRole("button", { name: "Выйти" })).toBeVisible();
});

test("sign-in stays on this site whatever the next address says", async ({ page }, info) => {
  for (const next of ["%2F%09%2Fevil.example%2F", "%2F%5Cevil.example%2F", "%2F%2Fevil.example%2F", "https%3A%2F%2Fevil.example%2F"]) {
    await page.context().clearCookies();
    await page.goto(`/login?next=${next}`);
    await ready(page, info);
    await page.getByLabel("Имя пользователя").fill("ivanova");
    await page.getByLabel("Пароль").fill("demo");
    await page.getByRole("button", { name: "Вход" }).click();
    await expect(page).not.toHaveURL(/\/login/);
    expect(page.url()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  }
});
