//! The translation layer: every text the UI shows comes from here. Russian is
//! the default; English is the second language, chosen per user.

use serde::{Deserialize, Serialize};

mod notice;
pub use notice::notice;

use crate::domain::{Channel, FieldErrorCode, RequestForm, Status};
use crate::wire::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Ru,
    En,
}

impl Lang {
    pub fn parse(code: &str) -> Lang {
        if code.trim().to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Ru
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Ru => Lang::En,
            Lang::En => Lang::Ru,
        }
    }
}

macro_rules! messages {
    ($($key:ident => $ru:literal, $en:literal;)+) => {
        /// A UI message; its text depends on the language.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Msg { $($key),+ }

        impl Msg {
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Msg::$key, Lang::Ru) => $ru, (Msg::$key, Lang::En) => $en,)+
                }
            }
        }
    };
}

messages! {
    AppName => "Служба поддержки", "Service desk";
    SkipToContent => "Перейти к содержимому", "Skip to content";
    SignIn => "Вход", "Sign in";
    SignInTitle => "Вход в службу поддержки", "Sign in to the service desk";
    SignInHint => "Используйте учётную запись, с которой входите в компьютер.", "Use the account you sign in to your computer with.";
    Login => "Имя пользователя", "Login";
    Password => "Пароль", "Password";
    SignOut => "Выйти", "Sign out";
    MyRequests => "Мои обращения", "My requests";
    NewRequest => "Новое обращение", "New request";
    UnitQueue => "Очередь подразделения", "Unit queue";
    RegisterOral => "Зарегистрировать обращение сотрудника", "Register a request for an employee";
    NoRequests => "Обращений пока нет.", "No requests yet.";
    Number => "Номер", "Number";
    Subject => "Тема", "Subject";
    Description => "Описание", "Description";
    DescriptionHint => "Опишите, что нужно, своими словами.", "Describe what you need in your own words.";
    StatusLabel => "Статус", "Status";
    DueDate => "Срок ответа", "Answer due";
    Overdue => "Просрочено", "Overdue";
    Registered => "Дата регистрации", "Registered on";
    Unit => "Подразделение", "Unit";
    Requester => "Заявитель", "Requester";
    Assignee => "Исполнитель", "Executor";
    NotAssigned => "не назначен", "not assigned";
    FormLabel => "Форма обращения", "Form of request";
    ChannelLabel => "Канал поступления", "Channel";
    KindLabel => "Вид обращения", "Kind of request";
    ChooseKind => "Выберите, о чём обращение", "Choose what the request is about";
    Next => "Далее", "Next";
    Submit => "Отправить обращение", "Submit the request";
    Register => "Зарегистрировать", "Register";
    RequesterLogin => "Сотрудник", "Employee";
    RequesterHint => "Начните вводить фамилию и выберите из списка, или введите имя пользователя.", "Start typing the surname and pick from the list, or type the user name.";
    PeopleFound => "Найденные сотрудники", "People found";
    RequestFacts => "Сведения об обращении", "About the request";
    Menu => "Меню", "Menu";
    QueueViews => "Представления очереди", "Queue views";
    ViewAllOpen => "Все открытые", "All open";
    ViewMine => "Мои", "Mine";
    ViewUnassigned => "Не назначены", "Unassigned";
    ViewDueWeek => "Срок на этой неделе", "Due this week";
    ViewOverdue => "Просроченные", "Overdue";
    ExportView => "Выгрузить этот список в CSV", "Download this list as CSV";
    ExportViewXlsx => "Выгрузить в Excel (XLSX)", "Download as Excel (XLSX)";
    SaveView => "Сохранить этот вид", "Save this view";
    ViewName => "Название вида", "View name";
    DeleteView => "Удалить вид", "Delete the view";
    BulkTitle => "С отмеченными обращениями", "With the checked requests";
    BulkAction => "Действие", "Action";
    BulkApply => "Выполнить", "Apply";
    BulkHint => "Отметьте обращения в списке, выберите действие и нажмите «Выполнить».", "Check requests in the list, choose an action and press Apply.";
    BulkTake => "Взять в работу", "Take into work";
    BulkAssign => "Назначить исполнителя", "Assign an executor";
    BulkTransfer => "Передать в другое подразделение", "Transfer to another unit";
    BulkExecutor => "Исполнитель (для назначения)", "Executor (to assign)";
    BulkUnit => "Подразделение (для передачи)", "Unit (to transfer)";
    BulkReason => "Причина передачи", "Reason for the transfer";
    BulkRefused => "Не выполнено:", "Not done:";
    ChooseOne => "— выберите —", "— choose —";
    CheckRow => "Отметить", "Check";
    CheckAll => "Отметить все на странице", "Check all on the page";
    FixErrors => "Проверьте поля, отмеченные ниже.", "Please check the fields marked below.";
    Activity => "Ход работы и переписка", "Activity and messages";
    ActivityShow => "Что показывать", "What to show";
    ActivityAll => "Всё", "Everything";
    ActivityMessages => "Только сообщения", "Messages only";
    Audience => "Кому", "Who sees it";
    PublicReply => "Ответ заявителю (видит заявитель)", "Reply to the requester (the requester sees it)";
    NextInQueue => "Следующее в очереди", "Next in the queue";
    NoReplies => "Сообщений пока нет.", "No messages yet.";
    Reply => "Ответить", "Reply";
    YourMessage => "Сообщение", "Message";
    InternalNote => "Служебная заметка (видят только сотрудники подразделения)", "Internal note (unit staff only)";
    InternalBadge => "Служебная заметка", "Internal note";
    Send => "Отправить", "Send";
    Take => "Взять в работу", "Take";
    AssignTo => "Назначить исполнителя", "Assign to";
    Assign => "Назначить", "Assign";
    Fields => "Сведения", "Details";
    Attachments => "Файлы", "Files";
    AttachFile => "Приложить файл", "Attach a file";
    AttachFiles => "Файлы к обращению", "Files for the request";
    AttachFilesHint => "PDF, PNG, JPEG, DOCX или XLSX, не больше 5 файлов.", "PDF, PNG, JPEG, DOCX or XLSX, at most 5 files.";
    ChooseFilesAgain => "Файлы не сохранены, пока в форме были ошибки. Выберите их снова:", "The files were not kept while the form had errors. Choose them again:";
    Upload => "Загрузить", "Upload";
    AttachHint => "PDF, изображения, документы Word и Excel, до 10 МБ.", "PDF, images, Word and Excel documents, up to 10 MB.";
    MailSettings => "Уведомления по почте", "Notices by e-mail";
    QueueMail => "Присылать по почте уведомления о новых и переданных обращениях в очереди подразделения", "E-mail me about new and transferred-in requests in my unit's queue";
    QueueMailHint => "Уведомления на этой странице приходят в любом случае; уведомления о ваших обращениях и назначенных вам приходят и по почте.", "Notices on this page arrive either way; notices about your own requests and those assigned to you always come by e-mail too.";
    FileMessage => "Пояснение к файлу (необязательно)", "Note on the file (optional)";
    FileInternal => "Служебный файл: видят только сотрудники подразделения", "Internal file: only the unit's staff see it";
    AddLine => "Ещё строка", "Add a line";
    Item => "Позиция", "Item";
    Quantity => "Количество", "Quantity";
    NotChosen => "— не выбрано —", "— not chosen —";
    Optional => "необязательно", "optional";
    Language => "English", "Русский";
    Loading => "Загрузка…", "Loading…";
    NotFoundTitle => "Страница не найдена", "Page not found";
    ForbiddenTitle => "Нет доступа", "No access";
    BackHome => "На главную", "Home";
    EvRegistered => "Обращение зарегистрировано", "Request registered";
    EvTaken => "Взято в работу", "Taken into work";
    EvAssigned => "Назначен исполнитель", "Executor assigned";
    EvCommented => "Добавлено сообщение", "Message added";
    EvNoted => "Добавлена служебная заметка", "Internal note added";
    EvStatus => "Изменён статус", "Status changed";
    EvAttachment => "Приложен файл", "File attached";
    Saved => "Сохранено.", "Saved.";
    Created => "Обращение зарегистрировано.", "Your request has been registered.";
    Open => "Открытые", "Open";
    All => "Все", "All";
    NextPage => "Следующая страница →", "Next page →";
    PrevPage => "← Предыдущая страница", "← Previous page";
    Pages => "Страницы списка", "List pages";
    PageSize => "Строк на странице", "Rows per page";
    DueHint => "Срок ответа рассчитывается при регистрации.", "The due date is set at registration.";
    DueIfNow => "Если отправить сейчас, срок ответа —", "If sent now, the answer is due";
    ExtendTitle => "Продлить срок ответа", "Extend the answer term";
    ExtendDays => "На сколько дней (от 1 до 30)", "By how many days (1 to 30)";
    Reason => "Причина", "Reason";
    ExtendButton => "Продлить срок", "Extend";
    ExtendHint => "Продлить можно один раз. Заявитель получит уведомление с новым сроком и причиной.", "A term can be extended once. The requester is told the new date and the reason.";
    Extended => "Срок продлён", "Term extended";
    TransferTitle => "Передать в другое подразделение", "Transfer to another unit";
    TransferTo => "Подразделение", "Unit";
    TransferButton => "Передать", "Transfer";
    TransferHint => "Обращение можно передать не больше двух раз; номер и срок ответа сохраняются.", "A request can be transferred at most twice; its number and due date stay.";
    ForwardBy => "Если вопрос не в компетенции подразделения, передайте его до срока:", "If the question is not for this unit, forward it in time:";
    AnswerTitle => "Окончательный ответ", "Final answer";
    AnswerHint => "Промежуточный ответ или уточняющий вопрос отправляйте в «Переписке»: обращение останется открытым.", "Send interim answers and questions under Messages: the request stays open.";
    OutcomeLabel => "Итог", "Outcome";
    AnswerText => "Текст ответа", "Answer";
    AskRequester => "Это уточняющий вопрос заявителю (обращение ждёт его ответа; срок ответа не переносится)", "This is a question to the requester (the request waits for the answer; the due date does not move)";
    QuestionWaiting => "Исполнитель задал вам уточняющий вопрос. Ответьте в переписке ниже — после ответа обращение вернётся в работу.", "The executor asked you a question. Answer under Messages below: the request then returns to work.";
    DoneTitle => "Ответ получен", "The answer is in";
    DoneHint => "Если ответ решает ваш вопрос, подтвердите это — обращение будет закрыто. Если нет — верните обращение в работу и напишите, что осталось нерешённым.", "If the answer settles your question, confirm it and the request is closed. If not, reopen the request and say what is still open.";
    ConfirmButton => "Вопрос решён, закрыть обращение", "Settled: close the request";
    ReopenUntil => "Вернуть в работу можно до", "You can reopen it until";
    ReopenReason => "Что осталось нерешённым", "What is still not settled";
    ReopenButton => "Вопрос не решён, вернуть в работу", "Not settled: reopen the request";
    RateTitle => "Оцените ответ", "Rate the answer";
    RateHint => "Выберите оценку от 1 (очень плохо) до 5 (отлично). Комментарий необязателен.", "Choose a score from 1 (very poor) to 5 (excellent). The comment is optional.";
    RateComment => "Комментарий к оценке (необязательно)", "Comment (optional)";
    RateScore => "Оценка", "Score";
    RateOutOf => "из 5", "out of 5";
    RatedThanks => "Спасибо за оценку! Ваша оценка:", "Thank you for rating! Your score:";
    CloseTitle => "Снять с контроля", "Take off control";
    CloseHint => "Ответ дан. Снятое с контроля обращение закрывается; если этого не сделать, оно закроется само через 10 рабочих дней после ответа, если заявитель не вернёт его в работу.", "The answer has been given. Taking it off control closes the request; otherwise it closes by itself 10 working days after the answer unless the requester reopens it.";
    CloseButton => "Снять с контроля и закрыть", "Take off control and close";
    AskExtensionTitle => "Попросить продлить срок", "Ask for more time";
    AskExtensionHint => "Просьбу рассмотрит руководитель подразделения. Срок продлевается один раз, на 1–30 дней.", "The head of the unit decides. A term is extended once, by 1 to 30 days.";
    AskExtensionButton => "Отправить просьбу руководителю", "Send to the head";
    ExtensionAsked => "Исполнитель просит продлить срок", "The executor asks for more time";
    ExtensionAskedBy => "Просит", "Asked by";
    ApproveButton => "Продлить срок", "Extend the term";
    RefuseReason => "Причина отказа", "Reason for refusal";
    RefuseButton => "Отказать в продлении", "Refuse";
    EvReopened => "Возвращено в работу", "Reopened";
    EvConfirmed => "Заявитель подтвердил, что вопрос решён", "The requester confirmed it is settled";
    EvClosed => "Снято с контроля", "Taken off control";
    EvAutoClosed => "Закрыто: 10 рабочих дней после ответа без возврата в работу", "Closed: 10 working days after the answer without reopening";
    EvRated => "Ответ оценён", "Answer rated";
    EvExtensionAsked => "Исполнитель попросил продлить срок", "The executor asked for more time";
    EvExtensionRefused => "В продлении срока отказано", "Extension refused";
    PlannedOn => "Когда будет решено", "Will be solved by";
    PlannedOnHint => "Только для итога «Будет решено к сроку».", "Only for the outcome \"will be solved by a date\".";
    AnswerButton => "Отправить окончательный ответ", "Send the final answer";
    EvExtended => "Срок ответа продлён", "Answer term extended";
    EvTransferred => "Передано в другое подразделение", "Transferred to another unit";
    EvAnswered => "Дан окончательный ответ", "Final answer given";
    Notifications => "Уведомления", "Notifications";
    NoNotifications => "Уведомлений нет.", "No notifications.";
    MarkAllRead => "Отметить все как прочитанные", "Mark all as read";
    Unread => "непрочитанных", "unread";
    CalendarTitle => "Производственный календарь", "Working calendar";
    Working => "рабочий", "working";
    NonWorking => "нерабочий", "non-working";
    ShortenedDay => "сокращённый", "shortened";
    EditDay => "Изменить день", "Change a day";
    Date => "Дата", "Date";
    DayKindLabel => "Какой это день", "Kind of day";
    KindDefault => "Как обычно (пн–пт рабочие, сб–вс выходные)", "As usual (Mon–Fri working)";
    KindHoliday => "Праздничный день", "Public holiday";
    KindDayOff => "Перенесённый выходной", "Transferred day off";
    KindWorking => "Рабочий выходной день", "Working weekend day";
    KindShortened => "Сокращённый рабочий день", "Shortened working day";
    DayName => "Название (необязательно)", "Name (optional)";
    Save => "Сохранить", "Save";
    ImportYear => "Загрузить год из файла", "Import a year from a file";
    ImportHint => "Формат servicedesk-calendar/1 (JSON, см. README) или XML xmlcalendar.", "Format servicedesk-calendar/1 (JSON, see README) or xmlcalendar XML.";
    Imported => "Календарь загружен.", "Calendar imported.";
    PrevMonth => "Предыдущий месяц", "Previous month";
    NextMonth => "Следующий месяц", "Next month";
    Administration => "Календарь", "Calendar";
    KnowledgeBase => "База знаний", "Knowledge base";
    KbSearch => "Что вы ищете", "What are you looking for";
    KbFind => "Найти", "Search";
    KbNothing => "Ничего не нашлось. Попробуйте другие слова или подайте обращение.", "Nothing found. Try other words or file a request.";
    KbLatest => "Новые статьи", "Latest articles";
    KbSections => "Разделы", "Sections";
    KbNewArticle => "Новая статья", "New article";
    KbEditArticle => "Изменить статью", "Edit article";
    KbHistory => "История изменений", "History";
    KbCompare => "Сравнить версии", "Compare versions";
    KbRestore => "Восстановить эту версию", "Restore this version";
    KbArticleTitle => "Заголовок", "Title";
    KbSection => "Раздел", "Section";
    KbStatus => "Состояние", "Status";
    KbDraft => "Черновик", "Draft";
    KbPublished => "Опубликована", "Published";
    KbArchived => "В архиве", "Archived";
    KbTags => "Метки через запятую", "Tags, comma separated";
    KbKinds => "Для каких видов обращений", "For which kinds of request";
    KbBody => "Текст", "Text";
    KbBodyHint => "Разметка Markdown: ## заголовок, 1. список, **выделение**, [ссылка](https://…).", "Markdown: ## heading, 1. list, **bold**, [link](https://…).";
    KbReason => "Что изменено, кратко", "What changed, briefly";
    KbSaved => "Статья сохранена.", "The article is saved.";
    KbRestored => "Версия восстановлена, сохранена как новая.", "The version is restored as a new one.";
    KbVersion => "Версия", "Version";
    KbAuthor => "Автор", "Author";
    KbWhen => "Когда", "When";
    KbFromVersion => "Было", "Before";
    KbToVersion => "Стало", "After";
    KbFiles => "Файлы", "Files";
    KbAttachHint => "PDF, DOCX, XLSX или изображение.", "PDF, DOCX, XLSX or an image.";
    KbSolvedCount => "Помогла решить вопрос без обращения, раз:", "Solved a question without a request, times:";
    KbFromRequest => "Создать статью из обращения", "Make an article from this request";
    KbSuggestTitle => "Возможно, ответ уже есть", "The answer may already be here";
    KbSuggestHint => "Статьи базы знаний по теме обращения.", "Knowledge-base articles on this subject.";
    KbSolvedButton => "Это решило мой вопрос", "This solved my question";
    KbSolvedThanks => "Рады, что ответ нашёлся. Обращение не подано.", "Glad the answer was found. No request was filed.";
    KbCheckFirst => "Сначала проверить базу знаний", "Check the knowledge base first";
    KbNoSuggestions => "Похожих статей не нашлось — подайте обращение.", "No similar articles — file the request.";
    Templates => "Шаблоны ответов", "Answer templates";
    TemplateNew => "Новый шаблон", "New template";
    TemplateTitle => "Название", "Name";
    TemplateBody => "Текст шаблона", "Template text";
    TemplatePlaceholders => "Подстановки, которые заполнятся из обращения:", "Placeholders filled from the request:";
    TemplateChoose => "Шаблон ответа", "Answer template";
    TemplateInsert => "Вставить шаблон", "Insert template";
    TemplateUnknown => "В шаблоне есть неизвестные подстановки — исправьте их перед отправкой:", "The template has unknown placeholders — correct them before sending:";
    TemplateSaved => "Шаблон сохранён.", "The template is saved.";
    Delete => "Удалить", "Delete";
    UnitOwner => "Подразделение", "Unit";
    Reports => "Нагрузка и отчёты", "Workload and reports";
    NoReportAccess => "Нагрузка и отчёты доступны начальникам подразделений и администратору.", "Workload and reports are for unit heads and the administrator.";
    PeriodLabel => "Период", "Period";
    PeriodWeek => "Неделя", "Week";
    PeriodMonth => "Месяц", "Month";
    PeriodQuarter => "Квартал", "Quarter";
    PeriodYear => "Год", "Year";
    PeriodCustom => "Свои даты", "Custom dates";
    PeriodFrom => "С даты", "From";
    PeriodTo => "По дату (для своих дат)", "To (for custom dates)";
    Show => "Показать", "Show";
    PeriodPrevious => "← Предыдущий период", "← Previous period";
    PeriodNext => "Следующий период →", "Next period →";
    ComparedWith => "Сравнение с периодом", "Compared with";
    NowTitle => "Сейчас", "Now";
    NowOpen => "В работе", "Open";
    NowDueToday => "Срок сегодня", "Due today";
    NowDueWeek => "Срок на этой неделе", "Due this week";
    NowOverdue => "Просрочено", "Overdue";
    NowExtended => "Срок продлён", "Extended";
    NowTransferred => "Переадресованы", "Transferred";
    IndicatorsTitle => "Показатели за период", "Indicators for the period";
    IndName => "Показатель", "Indicator";
    IndCurrent => "За период", "This period";
    IndPrevious => "Предыдущий период", "Previous period";
    IndChange => "Изменение", "Change";
    IndGoal => "Цель", "Goal";
    IndRegistered => "Поступило обращений", "Requests received";
    IndAnswered => "Дан ответ", "Answered";
    IndOnTime => "Доля ответов в срок", "Answered on time";
    IndFcr => "Решено с первого обращения", "First-contact resolution";
    IndTransfers => "Переадресаций на обращение", "Transfers per request";
    IndHandling => "Среднее время обработки (рабочее)", "Average handling time (working)";
    IndOverdue => "Просрочено за период", "Overdue in the period";
    IndSatisfaction => "Удовлетворённость заявителей", "Requester satisfaction";
    IndNoRatings => "оценок пока нет", "no ratings yet";
    ByKind => "По видам обращений", "By request kind";
    ByChannel => "По каналам", "By channel";
    ExecutorsTitle => "Нагрузка исполнителей", "Executors' workload";
    ExName => "Исполнитель", "Executor";
    ExOpen => "В работе сейчас", "Open now";
    ExTaken => "Взято за период", "Taken in the period";
    ExClosed => "Ответов за период", "Answered in the period";
    ExOverdue => "Просрочено сейчас", "Overdue now";
    ExOnTime => "В срок", "On time";
    ExOral => "Устные: ср. время, раб. ч", "Oral: average, working h";
    ExWritten => "Письменные: ср. время, раб. ч", "Written: average, working h";
    ChartsTitle => "Графики", "Charts";
    ChartWeeklyKinds => "Обращения по неделям и видам", "Requests per week by kind";
    ChartOnTime => "Доля ответов в срок по неделям", "Share answered on time per week";
    ChartLoad => "Нагрузка исполнителей: в работе сейчас и ответов за период", "Executors' load: open now and answered in the period";
    ChartData => "Данные графика таблицей", "Chart data as a table";
    WeekOf => "Неделя с", "Week of";
    OverdueTitle => "Просроченные обращения", "Overdue requests";
    DaysLate => "Дней просрочки", "Days late";
    NoOverdue => "Просроченных обращений нет.", "No overdue requests.";
    OverdueShown => "Показаны самые давние; все просроченные — в очереди:", "The longest overdue are shown; all of them are in the queue:";
    OverdueAll => "все просроченные обращения", "all overdue requests";
    ProposalsTitle => "Предложения по оптимизации", "Proposals for improvement";
    ProposalsHint => "Сохраняются с отчётом за этот период и входят в файл отчёта.", "Saved with this period's report and included in the report file.";
    ProposalsSaved => "Предложения сохранены.", "The proposals are saved.";
    ExportTitle => "Отчёт за период", "Report for the period";
    ExportHint => "Перечень задач, анализ исполнения и предложения. Файл для большого периода готовится дольше — ход подготовки виден на странице.", "The list of tasks, the analysis and the proposals. A long period takes longer; the progress shows on the page.";
    ExportRunning => "Готовится файл", "Preparing the file";
    ExportReady => "Файл готов.", "The file is ready.";
    ExportFailed => "Не удалось подготовить файл. Попробуйте ещё раз.", "The file could not be prepared. Please try again.";
    ExportDownload => "Скачать файл", "Download the file";
    ExportOf => "из", "of";
    MeetingMode => "Вид для оперативного совещания", "Meeting view";
    MeetingTitle => "Оперативное совещание", "Operative meeting";
    Print => "Печать", "Print";
    PrintHint => "Для печати нажмите Ctrl+P: страница напечатается на одном листе A4.", "To print, press Ctrl+P: the page prints on one A4 sheet.";
    BackToReports => "← Нагрузка и отчёты", "← Workload and reports";
    StateOn => "на", "as of";
    QueueFiltered => "Отбор:", "Filter:";
    // Queue search and filters.
    FiltersTitle => "Поиск и отбор обращений", "Search and filter requests";
    SearchLabel => "Поиск", "Search";
    SearchHint => "Номер обращения (например, IT-2026-000123) или слова из темы, описания и имени заявителя — в любой форме.", "A request number (e.g. IT-2026-000123) or words from the subject, description or requester's name, in any form.";
    FilterAnyKind => "Все виды", "All kinds";
    FilterFinished => "Завершённые (дан ответ или закрыто)", "Finished (answered or closed)";
    FilterAnyone => "Любой", "Anyone";
    FilterAssignedToMe => "Назначены мне", "Assigned to me";
    FilterNobody => "Не назначен", "Not assigned";
    FilterOverdue => "Только просроченные", "Overdue only";
    FilterDueBefore => "Срок ответа раньше", "Due before";
    SortLabel => "Порядок", "Order";
    SortDue => "Срок ответа: сначала ближайший", "Due date: soonest first";
    SortDueDesc => "Срок ответа: сначала самый поздний", "Due date: latest first";
    SortRegistered => "Сначала старые", "Oldest first";
    SortRegisteredDesc => "Сначала новые", "Newest first";
    FilterApply => "Найти", "Search";
    FilterReset => "Сбросить отбор", "Clear filters";
    NoMatches => "Ничего не найдено. Измените условия поиска или сбросьте отбор.", "Nothing found. Change the search or clear the filters.";
    ExecutorQueue => "Открытые обращения исполнителя", "The executor's open requests";
}

pub fn status(s: Status, lang: Lang) -> &'static str {
    match (s, lang) {
        (Status::Registered, Lang::Ru) => "Зарегистрировано",
        (Status::InProgress, Lang::Ru) => "В работе",
        (Status::AwaitingRequester, Lang::Ru) => "Ждёт ответа заявителя",
        (Status::Answered, Lang::Ru) => "Дан ответ",
        (Status::Closed, Lang::Ru) => "Закрыто",
        (Status::Registered, Lang::En) => "Registered",
        (Status::InProgress, Lang::En) => "In progress",
        (Status::AwaitingRequester, Lang::En) => "Awaiting requester",
        (Status::Answered, Lang::En) => "Answered",
        (Status::Closed, Lang::En) => "Closed",
    }
}

pub fn form(f: RequestForm, lang: Lang) -> &'static str {
    match (f, lang) {
        (RequestForm::Written, Lang::Ru) => "Письменное",
        (RequestForm::Oral, Lang::Ru) => "Устное",
        (RequestForm::Written, Lang::En) => "Written",
        (RequestForm::Oral, Lang::En) => "Oral",
    }
}

pub fn channel(c: Channel, lang: Lang) -> &'static str {
    match (c, lang) {
        (Channel::Portal, Lang::Ru) => "Портал",
        (Channel::Phone, Lang::Ru) => "Телефон",
        (Channel::InPerson, Lang::Ru) => "Лично",
        (Channel::Email, Lang::Ru) => "Электронная почта",
        (Channel::Sed, Lang::Ru) => "СЭД",
        (Channel::Memo, Lang::Ru) => "Служебная записка",
        (Channel::Portal, Lang::En) => "Portal",
        (Channel::Phone, Lang::En) => "Phone",
        (Channel::InPerson, Lang::En) => "In person",
        (Channel::Email, Lang::En) => "E-mail",
        (Channel::Sed, Lang::En) => "Document system (SED)",
        (Channel::Memo, Lang::En) => "Memo",
    }
}

pub fn outcome(o: crate::domain::Outcome, lang: Lang) -> &'static str {
    use crate::domain::Outcome as O;
    match (o, lang) {
        (O::Solved, Lang::Ru) => "Решено",
        (O::WillBeSolved, Lang::Ru) => "Будет решено к сроку",
        (O::SolvableNoDate, Lang::Ru) => "Может быть решено, срок пока неизвестен",
        (O::CannotBeSolved, Lang::Ru) => "Не может быть решено (причину укажите в ответе)",
        (O::Solved, Lang::En) => "Solved",
        (O::WillBeSolved, Lang::En) => "Will be solved by a date",
        (O::SolvableNoDate, Lang::En) => "Can be solved, no date yet",
        (O::CannotBeSolved, Lang::En) => "Cannot be solved (give the reason in the answer)",
    }
}

/// A field error worded for a person.
/// The Russian plural form for `n`: `one` (1, 21, 101), `few` (2–4, 22–24)
/// or `many` (0, 5–20, 25…).
pub fn plural_ru<'a>(n: u64, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    match (n % 10, n % 100) {
        (1, m) if m != 11 => one,
        (2..=4, m) if !(12..=14).contains(&m) => few,
        _ => many,
    }
}

/// A length of working time given in working hours: minutes under an
/// hour, tenths of an hour within a working day of `day_hours`, working
/// days and hours beyond («2 раб. дн. 3,5 ч»).
pub fn work_duration(hours: f64, day_hours: f64, lang: Lang) -> String {
    let hours = hours.max(0.0);
    let day = if day_hours > 0.0 { day_hours } else { 9.0 };
    let ru = lang == Lang::Ru;
    let tenths = |h: f64| {
        let text = format!("{h:.1}");
        if ru { text.replace('.', ",") } else { text }
    };
    if hours < 1.0 {
        let minutes = (hours * 60.0).round().max(1.0);
        return format!("{minutes:.0} {}", if ru { "мин" } else { "min" });
    }
    if hours < day - 0.05 {
        return format!(
            "{} {}",
            tenths(hours),
            if ru { "раб. ч" } else { "working h" }
        );
    }
    let days = (hours / day + 0.05 / day).floor();
    let rest = ((hours - days * day) * 10.0).round() / 10.0;
    let days = days as u64;
    match (ru, rest < 0.05) {
        (true, true) => format!("{days} раб. дн."),
        (true, false) => format!("{days} раб. дн. {} ч", tenths(rest)),
        (false, true) => format!("{days} working d"),
        (false, false) => format!("{days} working d {} h", tenths(rest)),
    }
}

/// «осталось 2 рабочих дня», «осталось 5 ч», «срок истёк».
pub fn time_left(left: crate::domain::deadline::TimeLeft, lang: Lang) -> String {
    use crate::domain::deadline::TimeLeft as L;
    let ru = lang == Lang::Ru;
    match left {
        L::Overdue if ru => "срок истёк".into(),
        L::Overdue => "past due".into(),
        L::Hours { hours } if ru => format!("осталось {hours} ч"),
        L::Hours { hours } => format!("{hours} h left"),
        L::Days { days } if ru => {
            let n = u64::from(days);
            format!(
                "{} {n} {}",
                plural_ru(n, "остался", "осталось", "осталось"),
                plural_ru(n, "рабочий день", "рабочих дня", "рабочих дней")
            )
        }
        L::Days { days: 1 } => "1 working day left".into(),
        L::Days { days } => format!("{days} working days left"),
    }
}

/// The kind of a [`time_left`] for styles and tests.
pub fn time_left_code(left: crate::domain::deadline::TimeLeft) -> &'static str {
    use crate::domain::deadline::TimeLeft as L;
    match left {
        L::Overdue => "overdue",
        L::Hours { .. } => "hours",
        L::Days { .. } => "days",
    }
}

/// A calendar day's name in the reader's language: the names of the
/// production calendar (and of days moved, «Перенос выходного дня с …»)
/// have English ones; a name an administrator typed stays as typed.
pub fn day_name(name: &str, lang: Lang) -> String {
    if lang == Lang::Ru {
        return name.to_string();
    }
    let known = match name {
        "Новогодние каникулы" => "New Year holidays",
        "Рождество Христово" => "Orthodox Christmas",
        "День защитника Отечества" => "Defender of the Fatherland Day",
        "Международный женский день" => "International Women's Day",
        "Праздник Весны и Труда" => "Spring and Labour Day",
        "День Победы" => "Victory Day",
        "День России" => "Russia Day",
        "День народного единства" => "Unity Day",
        "Предпраздничный день, на час короче" => {
            "Day before a holiday, one hour shorter"
        }
        "Рабочий день (перенос выходного)" => {
            "Working day (a day off moved)"
        }
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    match name.strip_prefix("Перенос выходного дня с ") {
        Some(from) => format!("Day off moved from {from}"),
        None => name.to_string(),
    }
}

/// «3 непрочитанных», "3 unread".
pub fn unread(n: u64, lang: Lang) -> String {
    match lang {
        Lang::Ru => format!(
            "{n} {}",
            plural_ru(n, "непрочитанное", "непрочитанных", "непрочитанных")
        ),
        Lang::En => format!("{n} unread"),
    }
}

/// «Выполнено для 3 обращений», "Done for 3 requests".
pub fn bulk_done(n: u64, lang: Lang) -> String {
    match lang {
        Lang::Ru => format!(
            "Выполнено для {n} {}.",
            plural_ru(n, "обращения", "обращений", "обращений")
        ),
        Lang::En if n == 1 => "Done for 1 request.".to_string(),
        Lang::En => format!("Done for {n} requests."),
    }
}

/// Why one of the checked requests was refused (see `BulkRefusal::reason`).
pub fn bulk_refusal(reason: &str, lang: Lang) -> String {
    let ru = lang == Lang::Ru;
    let text = match (reason, ru) {
        ("assigned_to_other", true) => "его уже взял в работу другой сотрудник",
        ("assigned_to_other", false) => "another member of staff has already taken it",
        ("not_staff", true) => "выбранный сотрудник не работает в его подразделении",
        ("not_staff", false) => "the chosen person does not work in its unit",
        ("same_unit", true) => "оно уже в этом подразделении",
        ("same_unit", false) => "it is already in that unit",
        ("forbidden", true) => "у вас нет прав на это действие с ним",
        ("forbidden", false) => "you may not do this with it",
        ("not_found", true) => "оно не найдено",
        ("not_found", false) => "it was not found",
        ("not_open", true) => "оно уже не в работе: ответ дан или обращение закрыто",
        ("not_open", false) => "it is no longer being worked on: answered or closed",
        (other, _) => {
            return error(
                &AppError::Conflict {
                    reason: other.to_string(),
                },
                lang,
            );
        }
    };
    text.to_string()
}

/// The name of a field the forms share, as an error summary names it
/// (the kinds' own fields are named by the form from the catalogue).
pub fn field_name(field: &str, lang: Lang) -> Option<&'static str> {
    let (ru, en) = match field {
        "subject" => ("Тема", "Subject"),
        "description" => ("Описание", "Description"),
        "body" => ("Текст", "Text"),
        "outcome" => ("Итог", "Outcome"),
        "planned_on" => ("Когда будет решено", "Will be solved by"),
        "days" => ("На сколько рабочих дней", "By how many working days"),
        "reason" => ("Причина", "Reason"),
        "requester_login" => ("Сотрудник", "Employee"),
        "channel" => ("Канал поступления", "Channel"),
        "form" => ("Форма обращения", "Form of request"),
        "kind" => ("Вид обращения", "Request kind"),
        "unit" => ("Подразделение", "Unit"),
        "file" => ("Файлы", "Files"),
        "assignee" => ("Исполнитель", "Executor"),
        "score" => ("Оценка", "Rating"),
        "comment" => ("Комментарий", "Comment"),
        "title" => ("Заголовок", "Title"),
        "text" => ("Текст", "Text"),
        "section" => ("Раздел", "Section"),
        "ids" => ("Отмеченные обращения", "Checked requests"),
        "action" => ("Действие", "Action"),
        _ => return None,
    };
    Some(if lang == Lang::Ru { ru } else { en })
}

pub fn field_error(code: &FieldErrorCode, lang: Lang) -> String {
    use FieldErrorCode as C;
    let ru = lang == Lang::Ru;
    match code {
        C::Required => {
            if ru {
                "Заполните это поле.".into()
            } else {
                "Please fill in this field.".into()
            }
        }
        C::TooLong { max } => {
            if ru {
                format!("Не длиннее {max} знаков.")
            } else {
                format!("At most {max} characters.")
            }
        }
        C::Pattern => {
            if ru {
                "Значение не подходит по формату, см. подсказку.".into()
            } else {
                "The value does not match the format; see the hint.".into()
            }
        }
        C::NotANumber => {
            if ru {
                "Введите число, например 1500,50.".into()
            } else {
                "Enter a number, e.g. 1500.50.".into()
            }
        }
        C::BelowMin { min } => {
            if ru {
                format!("Не меньше {min}.")
            } else {
                format!("At least {min}.")
            }
        }
        C::AboveMax { max } => {
            if ru {
                format!("Не больше {max}.")
            } else {
                format!("At most {max}.")
            }
        }
        C::InvalidDate => {
            if ru {
                "Введите дату в виде ДД.ММ.ГГГГ.".into()
            } else {
                "Enter a date as DD.MM.YYYY.".into()
            }
        }
        C::UnknownOption => {
            if ru {
                "Выберите значение из списка.".into()
            } else {
                "Choose a value from the list.".into()
            }
        }
        C::EmptyList => {
            if ru {
                "Добавьте хотя бы одну позицию.".into()
            } else {
                "Add at least one line.".into()
            }
        }
        C::NoneChecked => {
            if ru {
                "Отметьте хотя бы одно обращение в списке.".into()
            } else {
                "Check at least one request in the list.".into()
            }
        }
        C::TooManyItems { max } => {
            if ru {
                format!("Не больше {max} позиций.")
            } else {
                format!("At most {max} lines.")
            }
        }
        C::InvalidQuantity => {
            if ru {
                "Количество — целое число.".into()
            } else {
                "Quantity must be a whole number.".into()
            }
        }
        C::UnknownField => {
            if ru {
                "Такого поля нет у этого вида обращения.".into()
            } else {
                "This kind of request has no such field.".into()
            }
        }
        C::UnknownKind => {
            if ru {
                "Такого вида обращения нет.".into()
            } else {
                "No such kind of request.".into()
            }
        }
        C::NotAllowed => {
            if ru {
                "Это значение вам недоступно.".into()
            } else {
                "This value is not available to you.".into()
            }
        }
        C::UnknownPlaceholder { name } => {
            if ru {
                format!(
                    "Неизвестная подстановка {name}: исправьте или удалите её. Известные: {}.",
                    known_placeholders()
                )
            } else {
                format!(
                    "Unknown placeholder {name}: correct or remove it. Known: {}.",
                    known_placeholders()
                )
            }
        }
        C::NoSuchPerson => {
            if ru {
                "Сотрудник не найден в каталоге: проверьте фамилию или имя пользователя.".into()
            } else {
                "Nobody in the directory goes by this: check the surname or user name.".into()
            }
        }
        C::SeveralPeople { names } => {
            if ru {
                format!(
                    "Подходят несколько сотрудников: {}. Уточните фамилию или введите имя пользователя (в скобках).",
                    names.join("; ")
                )
            } else {
                format!(
                    "Several people match: {}. Give more of the name, or the user name (in brackets).",
                    names.join("; ")
                )
            }
        }
        C::FileLine { line } => {
            if ru {
                format!("Файл не подходит по формату: ошибка в строке {line}.")
            } else {
                format!("The file does not follow the format: a mistake on line {line}.")
            }
        }
        C::EndBeforeStart => {
            if ru {
                "Конец периода раньше его начала.".into()
            } else {
                "The end of the period is before its start.".into()
            }
        }
        C::PeriodTooLong { max_days } => {
            if ru {
                format!("Период не длиннее {max_days} дней.")
            } else {
                format!("A period of at most {max_days} days.")
            }
        }
        C::FileTooLarge { name, max_bytes } => {
            let mb = max_bytes / (1024 * 1024);
            if ru {
                format!("Файл «{name}» больше {mb} МБ.")
            } else {
                format!("The file “{name}” is larger than {mb} MB.")
            }
        }
        C::FileType { name } => {
            if ru {
                format!("Файл «{name}» не подходит: принимаются PDF, PNG, JPEG, DOCX, XLSX.")
            } else {
                format!("The file “{name}” is not accepted: use PDF, PNG, JPEG, DOCX or XLSX.")
            }
        }
        C::Duplicate { value } => {
            if ru {
                format!("«{value}» указано дважды: оставьте одно.")
            } else {
                format!("“{value}” is given twice: keep one.")
            }
        }
        C::TooManyFiles { max } => {
            if ru {
                format!("Не больше {max} файлов к одному обращению.")
            } else {
                format!("At most {max} files with one request.")
            }
        }
    }
}

/// The placeholders answer templates may use, as written.
pub fn known_placeholders() -> String {
    crate::domain::templates::Placeholder::ALL
        .iter()
        .map(|p| format!("{{{{{}}}}}", p.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An error worded for a person.
pub fn error(err: &AppError, lang: Lang) -> String {
    let ru = lang == Lang::Ru;
    let text = match err {
        AppError::Unauthenticated => {
            if ru {
                "Войдите в систему."
            } else {
                "Please sign in."
            }
        }
        AppError::BadCredentials => {
            if ru {
                "Неверное имя пользователя или пароль."
            } else {
                "Wrong login or password."
            }
        }
        AppError::EmptyPassword => {
            if ru {
                "Введите пароль."
            } else {
                "Enter your password."
            }
        }
        AppError::DirectoryUnavailable => {
            if ru {
                "Служба каталога недоступна. Попробуйте войти через несколько минут."
            } else {
                "The directory is unavailable. Please try again in a few minutes."
            }
        }
        AppError::StorageUnavailable => {
            if ru {
                "Хранилище файлов недоступно. Попробуйте ещё раз через несколько минут."
            } else {
                "The file storage is unavailable. Please try again in a few minutes."
            }
        }
        AppError::Forbidden => {
            if ru {
                "У вас нет доступа к этому действию."
            } else {
                "You may not do this."
            }
        }
        AppError::NotFound => {
            if ru {
                "Не найдено или нет доступа."
            } else {
                "Not found or no access."
            }
        }
        AppError::Invalid { .. } => {
            if ru {
                "Проверьте поля, отмеченные ниже."
            } else {
                "Please check the fields marked below."
            }
        }
        AppError::Malformed { .. } => {
            if ru {
                "Запрос составлен неверно."
            } else {
                "The request is malformed."
            }
        }
        AppError::TooLarge { max_bytes } => {
            let mb = max_bytes / (1024 * 1024);
            return if ru {
                format!("Файл больше {mb} МБ.")
            } else {
                format!("The file is larger than {mb} MB.")
            };
        }
        AppError::UnsupportedFileType => {
            if ru {
                "Такой тип файла не принимается: подойдут PDF, PNG, JPEG, DOCX, XLSX."
            } else {
                "This file type is not accepted: use PDF, PNG, JPEG, DOCX or XLSX."
            }
        }
        AppError::CalendarMissing { date } => {
            return if ru {
                format!("В рабочем календаре нет данных на {date}. Обратитесь к администратору.")
            } else {
                format!(
                    "The working calendar has no data for {date}. Please contact the administrator."
                )
            };
        }
        AppError::Conflict { reason } => match (reason.as_str(), ru) {
            ("already_extended", true) => {
                "Срок уже продлевался: продлить его можно только один раз."
            }
            ("already_extended", false) => {
                "The term has already been extended: it can be extended only once."
            }
            ("too_many_transfers", true) => {
                "Обращение уже передавалось дважды: больше передавать его нельзя."
            }
            ("too_many_transfers", false) => {
                "The request has already been transferred twice: no more transfers."
            }
            ("not_open", true) => "Обращение уже закрыто: действие невозможно.",
            ("awaiting_answer", true) => "На обращение ещё не дан окончательный ответ.",
            ("awaiting_answer", false) => "The request has no final answer yet.",
            ("already_rated", true) => "Этот ответ уже оценён: оценить его можно один раз.",
            ("already_rated", false) => "This answer has already been rated: it can be rated once.",
            ("reopen_window_passed", true) => {
                "Прошло 10 рабочих дней после ответа: вернуть обращение в работу уже нельзя. Подайте новое обращение."
            }
            ("reopen_window_passed", false) => {
                "10 working days have passed since the answer: the request can no longer be reopened. Please file a new one."
            }
            ("extension_pending", true) => {
                "Просьба о продлении уже отправлена и ждёт решения руководителя."
            }
            ("extension_pending", false) => {
                "An extension request is already waiting for the head's decision."
            }
            ("no_extension_request", true) => "Просьбы о продлении нет или по ней уже решено.",
            ("no_extension_request", false) => {
                "There is no extension request, or it has been decided already."
            }
            ("already_yours", true) => "Обращение уже у вас в работе.",
            ("already_yours", false) => "You are already working on this request.",
            ("closed", true) => "Обращение закрыто: писать в него больше нельзя.",
            ("closed", false) => "The request is closed: no more messages.",
            ("changed", true) => {
                "Пока вы работали, обращение изменилось. Обновите страницу и повторите действие."
            }
            ("changed", false) => {
                "The request changed while you were working. Reload the page and try again."
            }
            ("oral", true) => "Срок устного обращения не продлевается.",
            ("oral", false) => "The term of an oral request cannot be extended.",
            ("not_open", false) => "The request is closed: this cannot be done.",
            ("not_answered", true) => {
                "Статью можно создать, когда на обращение дан окончательный ответ."
            }
            ("not_answered", false) => {
                "An article can be made once the request has its final answer."
            }
            ("too_many_files", true) => {
                "К обращению приложено уже 20 файлов — больше нельзя. Объедините файлы в один PDF."
            }
            ("too_many_files", false) => {
                "The request already holds 20 files, the most it may. Combine files into one PDF."
            }
            ("article_changed", true) => {
                "Пока вы редактировали, статью сохранил другой автор. Ваш текст остался в форме: скопируйте его, обновите страницу и внесите правку снова."
            }
            ("article_changed", false) => {
                "Someone else saved the article while you were editing. Your text is still in the form: copy it, reload the page and make your change again."
            }
            (_, true) => "Действие уже невозможно: обращение изменилось.",
            (_, false) => "This can no longer be done: the request has changed.",
        },
        AppError::CrossSite => {
            if ru {
                "Запрос пришёл со страницы другого сайта и отклонён. Откройте службу поддержки по её адресу и повторите действие."
            } else {
                "The request came from another site's page and was refused. Open the service desk at its own address and try again."
            }
        }
        AppError::TooManyAttempts { retry_after_secs } => {
            let minutes = retry_after_secs.div_ceil(60).max(1);
            return if ru {
                format!(
                    "Слишком много неудачных попыток входа. Повторите через {minutes} мин. Если забыли пароль, обратитесь в отдел информационных технологий."
                )
            } else {
                format!(
                    "Too many failed sign-in attempts. Try again in {minutes} min. If you forgot your password, contact the IT unit."
                )
            };
        }
        AppError::Busy { .. } => {
            if ru {
                "Сейчас готовятся другие отчёты. Повторите через полминуты."
            } else {
                "Other reports are being built right now. Try again in half a minute."
            }
        }
        AppError::Internal => {
            if ru {
                "Что-то пошло не так. Попробуйте ещё раз."
            } else {
                "Something went wrong. Please try again."
            }
        }
        AppError::Transport { .. } => {
            if ru {
                "Нет связи с сервером. Попробуйте ещё раз."
            } else {
                "No connection to the server. Please try again."
            }
        }
    };
    text.to_string()
}

/// The English text of catalogue data where there is one, else the Russian.
pub fn pick<'a>(lang: Lang, ru: &'a str, en: Option<&'a String>) -> &'a str {
    match (lang, en) {
        (Lang::En, Some(en)) => en,
        _ => ru,
    }
}

fn dmy(d: chrono::NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// A due date's explanation in plain words.
pub fn explain(e: &crate::domain::deadline::Explanation, lang: Lang) -> String {
    use crate::domain::deadline::{Explanation as E, Shift, Term};
    let ru = lang == Lang::Ru;
    match e {
        E::OralSameDay { registered_on } => {
            if ru {
                format!(
                    "Устное обращение: ответ до конца рабочего дня регистрации, {}",
                    dmy(*registered_on)
                )
            } else {
                format!(
                    "Oral request: answer by the end of the working day of registration, {}",
                    dmy(*registered_on)
                )
            }
        }
        E::OralNonWorkingDay {
            registered_on,
            due_on,
        } => {
            if ru {
                format!(
                    "Устное обращение зарегистрировано в нерабочий день, {}; срок — конец следующего рабочего дня, {}",
                    dmy(*registered_on),
                    dmy(*due_on)
                )
            } else {
                format!(
                    "Oral request registered on a non-working day, {}; due by the end of the next working day, {}",
                    dmy(*registered_on),
                    dmy(*due_on)
                )
            }
        }
        E::OralAfterHours {
            registered_on,
            day_end,
            due_on,
        } => {
            if ru {
                format!(
                    "Устное обращение зарегистрировано {} после окончания рабочего дня ({day_end}); срок — конец следующего рабочего дня, {}",
                    dmy(*registered_on),
                    dmy(*due_on)
                )
            } else {
                format!(
                    "Oral request registered on {} after the working day ended ({day_end}); due by the end of the next working day, {}",
                    dmy(*registered_on),
                    dmy(*due_on)
                )
            }
        }
        E::Term {
            term,
            days,
            extension_days,
            term_day,
            term_day_name,
            shift,
            due_on,
            ..
        } => {
            let head = match (extension_days, ru) {
                (Some(n), true) => format!("{days}-й день ({} + продление на {n})", days - n),
                (Some(n), false) => format!("Day {days} ({} + extension of {n})", days - n),
                (None, true) => format!("{days}-й день"),
                (None, false) => format!("Day {days}"),
            };
            let what = if ru { "срок" } else { "due" };
            let what = match (term, ru) {
                (Term::Forward, true) => "срок переадресации",
                (Term::Forward, false) => "forward by",
                _ => what,
            };
            let name = term_day_name
                .as_ref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            match (shift, ru) {
                (Shift::None, true) => format!(
                    "{head} — {}, рабочий день; {what} — {}",
                    dmy(*term_day),
                    dmy(*due_on)
                ),
                (Shift::None, false) => format!(
                    "{head} is {}, a working day; {what} {}",
                    dmy(*term_day),
                    dmy(*due_on)
                ),
                (Shift::Back, true) => format!(
                    "{head} — {}, нерабочий день{name}; {what} — предшествующий рабочий день, {}",
                    dmy(*term_day),
                    dmy(*due_on)
                ),
                (Shift::Back, false) => format!(
                    "{head} is {}, a non-working day{name}; {what} the preceding working day, {}",
                    dmy(*term_day),
                    dmy(*due_on)
                ),
                (Shift::Forward { preceding }, true) => format!(
                    "{head} — {}, нерабочий день{name}; предшествующий рабочий день, {}, раньше даты регистрации, поэтому {what} — первый рабочий день после него, {}",
                    dmy(*term_day),
                    dmy(*preceding),
                    dmy(*due_on)
                ),
                (Shift::Forward { preceding }, false) => format!(
                    "{head} is {}, a non-working day{name}; the preceding working day, {}, is before registration, so {what} the first working day after it, {}",
                    dmy(*term_day),
                    dmy(*preceding),
                    dmy(*due_on)
                ),
            }
        }
    }
}

/// Dates as people in Russia write them.
pub fn date_time(at: chrono::DateTime<chrono::Utc>, offset: chrono::FixedOffset) -> String {
    at.with_timezone(&offset)
        .format("%d.%m.%Y %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_is_worded_with_the_russian_plural() {
        use crate::domain::deadline::TimeLeft as L;
        assert_eq!(
            time_left(L::Days { days: 1 }, Lang::Ru),
            "остался 1 рабочий день"
        );
        assert_eq!(
            time_left(L::Days { days: 2 }, Lang::Ru),
            "осталось 2 рабочих дня"
        );
        assert_eq!(
            time_left(L::Days { days: 5 }, Lang::Ru),
            "осталось 5 рабочих дней"
        );
        assert_eq!(
            time_left(L::Days { days: 21 }, Lang::Ru),
            "остался 21 рабочий день"
        );
        assert_eq!(time_left(L::Hours { hours: 3 }, Lang::Ru), "осталось 3 ч");
        assert_eq!(time_left(L::Overdue, Lang::Ru), "срок истёк");
        assert_eq!(
            time_left(L::Days { days: 2 }, Lang::En),
            "2 working days left"
        );
    }

    #[test]
    fn calendar_day_names_have_english_ones() {
        assert_eq!(day_name("День Победы", Lang::En), "Victory Day");
        assert_eq!(day_name("День Победы", Lang::Ru), "День Победы");
        assert_eq!(
            day_name("Перенос выходного дня с 03.01.2026", Lang::En),
            "Day off moved from 03.01.2026"
        );
        assert_eq!(day_name("День проверки", Lang::En), "День проверки");
        // Every name the shipped calendar uses has an English one.
        let seed = include_str!("../../migrations/src/seed/ru-production-calendar-2024-2027.json");
        let file: crate::domain::calendar::CalendarFile =
            serde_json::from_str(seed).expect("calendar");
        for entry in file.years.iter().flat_map(|y| y.days.iter()) {
            if let Some(name) = &entry.name {
                assert!(day_name(name, Lang::En).is_ascii(), "{name}");
            }
        }
    }

    #[test]
    fn working_time_is_told_in_working_hours_and_days() {
        for (hours, ru, en) in [
            (0.5, "30 мин", "30 min"),
            (3.46, "3,5 раб. ч", "3.5 working h"),
            (8.9, "8,9 раб. ч", "8.9 working h"),
            (9.0, "1 раб. дн.", "1 working d"),
            (21.5, "2 раб. дн. 3,5 ч", "2 working d 3.5 h"),
            (26.99, "3 раб. дн.", "3 working d"),
        ] {
            assert_eq!(work_duration(hours, 9.0, Lang::Ru), ru, "{hours}");
            assert_eq!(work_duration(hours, 9.0, Lang::En), en, "{hours}");
        }
    }

    #[test]
    fn unread_counts_take_the_russian_plural() {
        for (n, text) in [
            (1, "1 непрочитанное"),
            (2, "2 непрочитанных"),
            (5, "5 непрочитанных"),
            (11, "11 непрочитанных"),
            (21, "21 непрочитанное"),
            (111, "111 непрочитанных"),
        ] {
            assert_eq!(unread(n, Lang::Ru), text);
        }
        assert_eq!(unread(1, Lang::En), "1 unread");
        let form = |n| plural_ru(n, "день", "дня", "дней");
        assert_eq!(
            [1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 112].map(form),
            [
                "день", "дня", "дня", "дней", "дней", "дней", "дней", "день", "дня", "дней",
                "день", "дней"
            ]
        );
    }

    #[test]
    fn every_message_has_both_languages_and_they_differ_where_words_exist() {
        assert_eq!(Msg::SignIn.text(Lang::Ru), "Вход");
        assert_eq!(Msg::SignIn.text(Lang::En), "Sign in");
        assert_eq!(Lang::parse("en-GB"), Lang::En);
        assert_eq!(Lang::parse("ru"), Lang::Ru);
        assert_eq!(Lang::parse(""), Lang::Ru);
    }

    #[test]
    fn sign_in_failures_read_the_same_for_unknown_users_and_wrong_passwords() {
        assert_eq!(
            error(&AppError::BadCredentials, Lang::Ru),
            "Неверное имя пользователя или пароль."
        );
    }
}
