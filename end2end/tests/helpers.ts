import { expect, Page, TestInfo } from "@playwright/test";

export const jsOn = (info: TestInfo) => info.project.name === "js";

/** Waits until the WebAssembly bundle has hydrated the page (JS project only). */
export async function ready(page: Page, info: TestInfo) {
  if (jsOn(info)) {
    await expect(page.locator("body[data-hydrated]")).toHaveCount(1, { timeout: 20_000 });
  }
}

export async function signIn(page: Page, info: TestInfo, login: string, password = "demo") {
  await page.goto("/login");
  await ready(page, info);
  await page.getByLabel("Имя пользователя").fill(login);
  await page.getByLabel("Пароль").fill(password);
  await page.getByRole("button", { name: "Вход" }).click();
  await expect(page).not.toHaveURL(/\/login/);
  await ready(page, info);
}

export async function signOut(page: Page) {
  await page.getByRole("button", { name: "Выйти" }).click();
  await expect(page).toHaveURL(/\/login/);
}
