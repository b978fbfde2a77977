import { expect, test } from "@playwright/test";
import { jsOn, ready, signIn } from "./helpers";

const ESIGN = "Как получить или продлить ключ электронной подписи";
const WORKSTATION = "Что подготовить для настройки рабочего места (АРМ)";

test("suggestions beside the new-request form, and 'this solved it' files nothing", async ({ page }, info) => {
  await signIn(page, info, "ivanova");
  await page.goto("/requests/new?kind=workstation");
  await ready(page, info);
  const aside = page.locator("aside.kb-suggest");
  // Nothing typed yet: the articles written for this kind of request.
  await expect(aside.locator("li.hit").first().getByRole("link")).toHaveText(WORKSTATION);
  await page.getByLabel("Тема").fill("не работает ключ электронной подписи");
  if (!jsOn(info)) {
    // Without JavaScript the form offers a step that reloads it with the suggestions.
    await page.getByRole("button", { name: "Сначала проверить базу знаний" }).click();
    await expect(page).toHaveURL(/subject=/);
    await expect(page.getByLabel("Тема")).toHaveValue("не работает ключ электронной подписи");
  } else {
    await expect(page.getByRole("button", { name: "Сначала проверить базу знаний" })).toBeHidden();
  }
  const first = aside.locator("li.hit").first();
  await expect(first.getByRole("link")).toHaveText(ESIGN);
  await expect(first.locator("mark").first()).toBeVisible();
  await first.getByRole("button", { name: "Это решило мой вопрос" }).click();
  await expect(page).toHaveURL(/\/kb\/\d+\?solved=1/);
  await expect(page.getByRole("status")).toHaveText("Рады, что ответ нашёлся. Обращение не подано.");
  await page.goto("/requests");
  await ready(page, info);
  await expect(page.getByText("не работает ключ электронной подписи")).toHaveCount(0);
});

test.describe.serial("an executor's knowledge tools", () => {
  let requestUrl = "";
  let articleUrl = "";
  const subject = () => `Выпустить ключ по шаблону (${test.info().project.name})`;

  test("the employee files a request", async ({ page }, info) => {
    await signIn(page, info, "ivanova");
    await page.goto("/requests/new?kind=esign_key");
    await ready(page, info);
    await page.getByLabel("Тема").fill(subject());
    await page.getByLabel("Для какой системы нужен ключ").selectOption("sed");
    await page.getByLabel("Что нужно сделать").selectOption("new");
    await page.getByLabel("Владелец ключа (фамилия, имя, отчество)").fill("Иванова Анна Сергеевна");
    await page.getByRole("button", { name: "Отправить обращение" }).click();
    await expect(page).toHaveURL(/\/requests\/\d+\?created=1/);
    requestUrl = new URL(page.url()).pathname;
  });

  test("the executor answers with a template filled from the request", async ({ page }, info) => {
    await signIn(page, info, "smirnov");
    await page.goto(requestUrl);
    await ready(page, info);
    const number = (await page.locator("h1 .number").textContent()) ?? "";
    await page.getByText("Окончательный ответ", { exact: true }).click();
    await page.getByLabel("Шаблон ответа").selectOption({ label: "Ключ ЭП выпущен" });
    await page.getByRole("button", { name: "Вставить шаблон" }).click();
    const answer = page.locator("#f-answer");
    await expect(answer).toHaveValue(/^Иванова Анна Сергеевна, добрый день\./);
    await expect(answer).toHaveValue(new RegExp(`По обращению ${number} ключ`));
    await expect(answer).toHaveValue(/Исполнитель: Смирнов Дмитрий Олегович, тел\. \+7/);
    await page.getByLabel("Решено", { exact: true }).check();
    await page.getByRole("button", { name: "Отправить окончательный ответ" }).click();
    await expect(page.locator("[data-status]")).toHaveText("Дан ответ");
    await expect(page.locator(".comment").last()).toContainText("Иванова Анна Сергеевна, добрый день.");
  });

  test("an unknown placeholder is reported and nothing is sent", async ({ page }, info) => {
    await signIn(page, info, "smirnov");
    await page.goto(requestUrl);
    await ready(page, info);
    const before = await page.locator(".comment").count();
    await page.getByLabel("Сообщение", { exact: true }).fill("{{заявитель}}, уточните {{кабинет}}");
    await page.getByRole("button", { name: "Отправить", exact: true }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Неизвестная подстановка {{кабинет}}" })).toBeVisible();
    await page.goto(requestUrl);
    await ready(page, info);
    await expect(page.locator(".comment")).toHaveCount(before);
  });

  test("the executor makes an article from the answered request", async ({ page }, info) => {
    await signIn(page, info, "smirnov");
    await page.goto(requestUrl);
    await ready(page, info);
    await page.getByRole("link", { name: "Создать статью из обращения" }).click();
    await ready(page, info);
    await expect(page.getByLabel("Заголовок")).toHaveValue(subject());
    await expect(page.getByLabel("Текст", { exact: true })).toHaveValue(/## Ответ/);
    await expect(page.getByLabel("Ключ электронной подписи")).toBeChecked();
    await page.getByLabel("Состояние").selectOption("published");
    await page.getByRole("button", { name: "Сохранить" }).click();
    await expect(page).toHaveURL(/\/kb\/\d+\?saved=1/);
    await expect(page.getByRole("status")).toHaveText("Статья сохранена.");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(subject());
    articleUrl = new URL(page.url()).pathname;
  });

  test("an edit is a version; the history compares and restores", async ({ page }, info) => {
    await signIn(page, info, "smirnov");
    await page.goto(articleUrl);
    await ready(page, info);
    await page.getByRole("link", { name: "Изменить статью" }).click();
    await ready(page, info);
    await page.getByLabel("Заголовок").fill("");
    await page.getByRole("button", { name: "Сохранить" }).click();
    await expect(page.locator("#form-error")).toContainText("Заполните это поле.");
    // What was typed is still there after the refusal.
    await expect(page.getByLabel("Текст", { exact: true })).toHaveValue(/## Ответ/);
    await page.getByLabel("Заголовок").fill("Ключ ЭП: как выпускаем");
    await page.getByLabel("Что изменено, кратко").fill("Короче заголовок");
    await page.getByRole("button", { name: "Сохранить" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Ключ ЭП: как выпускаем");

    await page.getByRole("link", { name: "История изменений" }).click();
    await ready(page, info);
    await expect(page.locator("table.versions tbody tr")).toHaveCount(2);
    await expect(page.locator("tr[data-version='2']")).toContainText("Короче заголовок");
    await page.getByRole("button", { name: "Сравнить версии" }).click();
    await expect(page.locator(".diff-removed")).toContainText(subject());
    await expect(page.locator(".diff-added")).toContainText("Ключ ЭП: как выпускаем");
    await page.getByRole("button", { name: "Восстановить эту версию 1" }).click();
    await expect(page).toHaveURL(/\?restored=1/);
    await expect(page.getByRole("status")).toHaveText("Версия восстановлена, сохранена как новая.");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(subject());
  });

  test("readers cannot edit and see no history links", async ({ page }, info) => {
    await signIn(page, info, "ivanova");
    await page.goto(articleUrl);
    await ready(page, info);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(subject());
    await expect(page.getByRole("link", { name: "Изменить статью" })).toHaveCount(0);
    await page.goto(`${articleUrl}/edit`);
    await ready(page, info);
    await expect(page.getByRole("alert")).toContainText("У вас нет доступа к этому действию.");
  });
});

test("a unit writes its answer templates; an unknown placeholder is refused and nothing typed is lost", async ({ page }, info) => {
  await signIn(page, info, "smirnov");
  await page.goto("/kb");
  await ready(page, info);
  await page.getByRole("link", { name: "Шаблоны ответов" }).click();
  await ready(page, info);
  await expect(page.locator("ul.templates li").first()).toContainText("IT ·");
  const title = `Пароль сброшен (${info.project.name})`;
  await page.locator("#tt-new").fill(title);
  await page.locator("#tb-new").fill("{{заявитель}}, пароль сброшен. {{кабинет}}");
  await page.getByRole("button", { name: "Сохранить" }).last().click();
  await expect(page.locator("#form-error")).toContainText("Неизвестная подстановка {{кабинет}}");
  await expect(page.locator("#tb-new")).toHaveValue("{{заявитель}}, пароль сброшен. {{кабинет}}");
  await page.locator("#tb-new").fill("{{заявитель}}, пароль сброшен. Исполнитель: {{исполнитель}}, {{телефон}}.");
  await page.getByRole("button", { name: "Сохранить" }).last().click();
  await expect(page.getByRole("status")).toHaveText("Шаблон сохранён.");
  await expect(page.locator("ul.templates")).toContainText(title);
});
