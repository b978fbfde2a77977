import { APIRequestContext, expect, test } from "@playwright/test";
import { apiToken, fileQuestion, ready, signIn, signOut } from "./helpers";

// Finding a request in the queue, with JavaScript on and off: by its
// number (a phone call), by a word in another form, and from the workload
// page's executor row.

async function file(request: APIRequestContext, subject: string): Promise<{ id: number; number: string }> {
  const login = await request.post("/api/v1/auth/login", { data: { login: "ivanova", password: "demo" } });
  const token = (await login.json()).token;
  const r = await request.post("/api/v1/tickets", {
    headers: { Authorization: `Bearer ${token}` },
    data: {
      kind: "esign_key",
      subject,
      fields: { system: "sed", action: "renewal", holder: "Иванова Анна Сергеевна" },
    },
  });
  expect(r.status()).toBe(201);
  return r.json();
}

test("staff find a request by its number and by a word form", async ({ page, request }, info) => {
  const stamp = `${info.project.name}${Date.now()}`;
  const t = await file(request, `Не печатает принтер ${stamp}`);
  await signIn(page, info, "smirnov");
  await page.goto("/queue");
  await ready(page, info);

  await page.getByRole("searchbox", { name: "Поиск" }).fill(t.number.toLowerCase());
  await page.getByRole("button", { name: "Найти" }).click();
  await ready(page, info);
  await expect(page).toHaveURL(/[?&]q=/);
  const rows = page.locator("tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(t.number);

  // «принтера» is another form of «принтер»; the stamp narrows it to this request.
  await page.getByRole("searchbox", { name: "Поиск" }).fill(`принтера ${stamp}`);
  await page.getByRole("button", { name: "Найти" }).click();
  await ready(page, info);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`Не печатает принтер ${stamp}`);

  // The view is kept in the address, so it can be bookmarked.
  await page.reload();
  await ready(page, info);
  await expect(page.getByRole("searchbox", { name: "Поиск" })).toHaveValue(`принтера ${stamp}`);
  await expect(rows).toHaveCount(1);
});

test("the workload links an executor to their requests", async ({ page, request }, info) => {
  const t = await file(request, `Нужен монитор ${info.project.name}${Date.now()}`);
  // smirnov takes it, so it is his.
  const login = await request.post("/api/v1/auth/login", { data: { login: "smirnov", password: "demo" } });
  const token = (await login.json()).token;
  const taken = await request.post(`/api/v1/tickets/${t.id}/take`, { headers: { Authorization: `Bearer ${token}` } });
  expect(taken.status()).toBe(200);

  await signIn(page, info, "kuznetsova");
  await page.goto("/reports");
  await ready(page, info);
  await page.locator("table.executors tr[data-login=smirnov] a").first().click();
  await ready(page, info);
  await expect(page).toHaveURL(/\/queue\?.*assignee=smirnov/);
  await expect(page.locator("tbody tr").filter({ hasText: t.number })).toHaveCount(1);
  // Every row is his (the last column names the executor).
  const assignees = await page.locator("tbody tr td:last-child").allTextContents();
  expect(assignees.length).toBeGreaterThan(0);
  for (const name of assignees) expect(name).toContain("Смирнов");
});

test("lists page forward and back, and take a page size", async ({ page, request }, info) => {
  const stamp = `pages${info.project.name}${Date.now()}`;
  // 23 requests: a page of 20 and three more.
  const login = await request.post("/api/v1/auth/login", { data: { login: "ivanova", password: "demo" } });
  const token = (await login.json()).token;
  const filed: string[] = [];
  for (let i = 0; i < 23; i++) {
    const r = await request.post("/api/v1/tickets", {
      headers: { Authorization: `Bearer ${token}` },
      // Supplies (АХО): the other tests look at the IT queue's first page.
      data: {
        kind: "supplies",
        subject: `Пачка ${stamp} ${i}`,
        fields: { items: [{ item: "paper_a4", quantity: 1 }], printer_model: "HP LaserJet Pro M404" },
      },
    });
    expect(r.status()).toBe(201);
    filed.push((await r.json()).number);
  }
  const next = page.getByRole("link", { name: "Следующая страница" });
  const prev = page.getByRole("link", { name: "Предыдущая страница" });
  await signIn(page, info, "ivanova");
  await page.goto(`/requests?q=${stamp}`);
  await ready(page, info);
  const rows = page.locator("tbody tr");
  await expect(rows).toHaveCount(20);
  // Newest filed first: the last one filed leads the first page.
  await expect(rows.first()).toContainText(filed[22]);
  // The due time says how long is left (a written request: weeks).
  await expect(rows.first().locator("[data-left=days]")).toHaveText(/^остал(ось|ся) \d+ рабоч(их дней|их дня|ий день)$/);
  await expect(prev).toHaveCount(0);
  await next.click();
  await ready(page, info);
  await expect(page.getByText("Проверьте поля")).toHaveCount(0);
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText(filed[2]);
  await expect(rows.last()).toContainText(filed[0]);
  await expect(next).toHaveCount(0);
  // And back to the first page.
  await prev.click();
  await ready(page, info);
  await expect(rows).toHaveCount(20);
  await expect(rows.first()).toContainText(filed[22]);
  await expect(rows.last()).toContainText(filed[3]);
  await expect(prev).toHaveCount(0);
  // A bigger page holds them all.
  await page.getByLabel("Строк на странице").selectOption("50");
  await page.getByRole("button", { name: "Найти", exact: true }).click();
  await ready(page, info);
  await expect(page).toHaveURL(/limit=50/);
  await expect(rows).toHaveCount(23);
  await expect(next).toHaveCount(0);
  // The list as a file: the same filters, all 23 rows, the newest first.
  const href = await page.getByRole("link", { name: "Выгрузить этот список в CSV" }).getAttribute("href");
  expect(href).toContain(`/requests/export.csv?`);
  const file = await page.request.get(href!);
  expect(file.status()).toBe(200);
  expect(file.headers()["content-type"]).toContain("text/csv");
  // UTF-8 with a byte-order mark, so that spreadsheets read the Cyrillic.
  expect([...(await file.body()).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const lines = (await file.text()).replace(/^\ufeff/, "").trim().split(/\r?\n/);
  expect(lines[0]).toBe("Номер;Тема;Вид обращения;Подразделение;Статус;Зарегистрировано;Срок ответа;Осталось;Исполнитель;Заявитель");
  expect(lines).toHaveLength(24);
  expect(lines[1].startsWith(filed[22])).toBe(true);
  // And as a workbook, for Excel.
  const xlsxHref = await page.getByRole("link", { name: "Выгрузить в Excel (XLSX)" }).getAttribute("href");
  expect(xlsxHref).toBe(href!.replace("export.csv", "export.xlsx"));
  const book = await page.request.get(xlsxHref!);
  expect(book.status()).toBe(200);
  expect(book.headers()["content-type"]).toContain("spreadsheetml");
  // A ZIP container: "PK".
  expect([...(await book.body()).subarray(0, 2)]).toEqual([0x50, 0x4b]);

  // The unit's queue (by due date) pages on and back too, without repeating a row.
  await signOut(page);
  await signIn(page, info, "popov");
  await page.goto(`/queue?q=${stamp}`);
  await ready(page, info);
  await expect(rows).toHaveCount(20);
  const first = await rows.allInnerTexts();
  await next.click();
  await ready(page, info);
  await expect(page.getByText("Проверьте поля")).toHaveCount(0);
  await expect(rows).toHaveCount(3);
  for (const row of await rows.allInnerTexts()) {
    expect(first).not.toContain(row);
  }
  await prev.click();
  await ready(page, info);
  await expect(rows).toHaveCount(20);
  expect(await rows.allInnerTexts()).toEqual(first);
});

test("the queue's ready-made views show their counts and narrow the list", async ({ page, request }, info) => {
  // An unassigned question for the accounting unit (sokolova works it).
  await fileQuestion(request, `Вид очереди ${info.project.name} ${Date.now()}`);
  await signIn(page, info, "sokolova");
  await page.goto("/queue");
  await ready(page, info);
  const views = page.getByRole("navigation", { name: "Представления очереди" });
  await expect(views.getByRole("link", { name: /^Все открытые \d+$/ })).toHaveAttribute("aria-current", "page");
  const unassigned = views.getByRole("link", { name: /^Не назначены \d+$/ });
  const n = Number(await unassigned.locator(".count").textContent());
  expect(n).toBeGreaterThan(0);
  await unassigned.click();
  await ready(page, info);
  await expect(page).toHaveURL(/assignee=none/);
  await expect(views.getByRole("link", { name: /^Не назначены/ })).toHaveAttribute("aria-current", "page");
  const assignees = await page.locator("tbody tr td:last-child").allTextContents();
  expect(assignees.length).toBe(Math.min(n, 20));
  for (const a of assignees) expect(a).toContain("не назначен");
});

test("a person saves a view of the queue, opens it and deletes it", async ({ page }, info) => {
  const name = `Свободные ${info.project.name} ${Date.now()}`;
  await signIn(page, info, "sokolova");
  await page.goto("/queue?assignee=none");
  await ready(page, info);
  await page.getByText("Сохранить этот вид").click();
  await page.getByLabel("Название вида").fill(name);
  await page.getByRole("button", { name: "Сохранить", exact: true }).click();
  const saved = page.locator(`a[data-saved="${name}"]`);
  await expect(saved).toBeVisible();
  await page.goto("/queue");
  await ready(page, info);
  await saved.click();
  await ready(page, info);
  await expect(page).toHaveURL(/assignee=none/);
  await expect(saved).toHaveAttribute("aria-current", "page");
  await page.getByRole("button", { name: `Удалить вид «${name}»` }).click();
  await expect(saved).toHaveCount(0);
});

test("checked rows are taken at once; a refused action keeps what was typed", async ({ page, request }, info) => {
  const stamp = `${info.project.name}${Date.now()}`;
  const a = await fileQuestion(request, `Справка о выплате ${stamp} А`);
  const b = await fileQuestion(request, `Справка о выплате ${stamp} Б`);
  await signIn(page, info, "sokolova");
  await page.goto(`/queue?unit=BUH&q=${encodeURIComponent(stamp)}`);
  await ready(page, info);
  const rows = page.locator("tbody tr");
  await expect(rows).toHaveCount(2);

  // Nothing checked: the bar says so, and the reason typed for a transfer stays.
  const bar = page.getByRole("group", { name: "С отмеченными обращениями" });
  await bar.getByLabel("Действие").selectOption("transfer");
  await bar.getByLabel("Подразделение (для передачи)").selectOption("AHO");
  await bar.getByLabel("Причина передачи").fill("Вопрос о канцтоварах");
  await bar.getByRole("button", { name: "Выполнить" }).click();
  await ready(page, info);
  await expect(page.getByRole("alert")).toContainText("Отметьте хотя бы одно обращение в списке.");
  await expect(bar.getByLabel("Причина передачи")).toHaveValue("Вопрос о канцтоварах");
  await expect(bar.getByLabel("Подразделение (для передачи)")).toHaveValue("AHO");
  await expect(rows).toHaveCount(2);

  // Both checked and taken: one message for both, and the list shows the executor.
  await page.getByRole("checkbox", { name: `Отметить ${a.number}` }).check();
  await page.getByRole("checkbox", { name: `Отметить ${b.number}` }).check();
  await bar.getByLabel("Действие").selectOption("take");
  await bar.getByRole("button", { name: "Выполнить" }).click();
  await ready(page, info);
  await expect(page.locator("#bulk-result")).toContainText("Выполнено для 2 обращений.");
  await expect(page).toHaveURL(/q=/);
  await expect(rows).toHaveCount(2);
  for (const n of [a.number, b.number]) {
    await expect(page.locator(`tr[data-number="${n}"]`)).toContainText("Соколова");
  }
  // Nothing stays checked after the action.
  await expect(page.getByRole("checkbox", { name: `Отметить ${a.number}` })).not.toBeChecked();

  // The head gives both to himself, but one is answered meanwhile: the
  // refusal is named for its request while the other is done.
  await signOut(page);
  await signIn(page, info, "volkov");
  await page.goto(`/queue?unit=BUH&q=${encodeURIComponent(stamp)}`);
  await ready(page, info);
  await expect(rows).toHaveCount(2);
  await page.getByRole("checkbox", { name: `Отметить ${a.number}` }).check();
  await page.getByRole("checkbox", { name: `Отметить ${b.number}` }).check();
  const answered = await request.post(`/api/v1/tickets/${b.id}/answer`, {
    headers: { Authorization: `Bearer ${await apiToken(request, "sokolova")}` },
    data: { body: "Справка готова.", final: true, outcome: "solved" },
  });
  expect(answered.status()).toBe(200);
  await bar.getByLabel("Действие").selectOption("assign");
  await bar.getByLabel("Исполнитель (для назначения)").selectOption({ label: "Волков Андрей Петрович" });
  await bar.getByRole("button", { name: "Выполнить" }).click();
  await ready(page, info);
  const result = page.locator("#bulk-result");
  await expect(result).toContainText("Выполнено для 1 обращения.");
  await expect(result.locator(`[data-refused="${b.number}"]`)).toContainText("уже не в работе: ответ дан");
  await expect(page.locator(`tr[data-number="${a.number}"]`)).toContainText("Волков");
});

test("the column headers sort the list both ways and keep the filters", async ({ page, request }, info) => {
  const stamp = `${info.project.name}${Date.now()}`;
  const first = await fileQuestion(request, `Сортировка ${stamp} 1`);
  const second = await fileQuestion(request, `Сортировка ${stamp} 2`);
  await signIn(page, info, "sokolova");
  await page.goto(`/queue?unit=BUH&q=${encodeURIComponent(stamp)}`);
  await ready(page, info);
  const rows = page.locator("tbody tr");
  const due = page.getByRole("columnheader", { name: /Срок ответа/ });
  const number = page.getByRole("columnheader", { name: /Номер/ });
  // The queue's own order is by due time, soonest first.
  await expect(due).toHaveAttribute("aria-sort", "ascending");
  await expect(number).not.toHaveAttribute("aria-sort", /.+/);
  await expect(rows.first()).toContainText(first.number);

  await number.getByRole("link").click();
  await ready(page, info);
  await expect(page).toHaveURL(/sort=-registered/);
  await expect(page).toHaveURL(/q=/);
  await expect(number).toHaveAttribute("aria-sort", "descending");
  await expect(rows.first()).toContainText(second.number);

  await number.getByRole("link").click();
  await ready(page, info);
  await expect(page).toHaveURL(/sort=registered/);
  await expect(number).toHaveAttribute("aria-sort", "ascending");
  await expect(rows.first()).toContainText(first.number);
});
