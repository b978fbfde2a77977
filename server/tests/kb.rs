//! The knowledge base on SQLite and PostgreSQL: access, versions, search.

mod common;

use app::server::{AppState, kb};
use app::wire::{AppError, ArticleInput};

fn err(e: app::server::ServiceError) -> AppError {
    AppError::from(e)
}

fn article(title: &str, body: &str, status: &str) -> ArticleInput {
    ArticleInput {
        title: title.into(),
        body: body.into(),
        section: "faq".into(),
        tags: vec!["табель".into()],
        status: status.into(),
        unit: None,
        kinds: vec![],
        reason: None,
    }
}

on_both_databases!(
    async fn the_seeded_articles_answer_a_question_in_other_word_forms(db: TestDb) {
        let hits = kb::search(&db.state, "ключи электронной подписи", 5)
            .await
            .expect("search");
        assert_eq!(
            hits.first().map(|h| h.title.as_str()),
            Some("Как получить или продлить ключ электронной подписи"),
            "{hits:?}"
        );
        assert!(hits[0].snippet.contains("<mark>"));
        let hits = kb::search(&db.state, "картриджы для принтера", 5)
            .await
            .expect("typo");
        assert_eq!(
            hits.first().map(|h| h.title.as_str()),
            Some("Как заказать картриджи, бумагу и канцелярию")
        );
        let hits = kb::search(&db.state, "код бюджетной классификации", 3)
            .await
            .expect("search");
        assert_eq!(
            hits.first().map(|h| h.section.as_str()),
            Some("instructions")
        );
    }
);

on_both_databases!(
    async fn every_save_is_a_version_and_search_follows_the_status(db: TestDb) {
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let ivanova = db.user("ivanova", &["employee"]).await;
        let popov = db.user("popov", &["employee", "executor:AHO"]).await;
        let draft = kb::create(
            &db.state,
            &smirnov,
            article("Табель рабочего времени", "Сдают до пятого числа.", "draft"),
        )
        .await
        .expect("created");
        assert_eq!((draft.version, draft.unit.as_deref()), (1, Some("IT")));
        assert!(
            kb::search(&db.state, "табеля", 5)
                .await
                .expect("search")
                .is_empty(),
            "drafts are not found"
        );
        assert_eq!(
            err(kb::get(&db.state, &ivanova, draft.id)
                .await
                .expect_err("draft")),
            AppError::NotFound
        );

        let mut input = article(
            "Табель рабочего времени",
            "Сдают до **пятого** числа в бухгалтерию.",
            "published",
        );
        input.reason = Some("Опубликовано".into());
        let published = kb::update(&db.state, &smirnov, draft.id, input)
            .await
            .expect("published");
        assert_eq!(published.version, 2);
        assert!(published.html.contains("<strong>пятого</strong>"));
        let hits = kb::search(&db.state, "табеля", 5).await.expect("search");
        assert_eq!(
            hits.first().map(|h| h.id),
            Some(draft.id),
            "visible as soon as the call returns"
        );
        assert_eq!(
            kb::get(&db.state, &ivanova, draft.id)
                .await
                .expect("read")
                .title,
            "Табель рабочего времени"
        );
        assert_eq!(
            err(
                kb::update(&db.state, &popov, draft.id, article("x", "", "draft"))
                    .await
                    .expect_err("other unit")
            ),
            AppError::Forbidden
        );
        assert_eq!(
            err(kb::create(&db.state, &ivanova, article("x", "", "draft"))
                .await
                .expect_err("employee")),
            AppError::Forbidden
        );

        let history = kb::versions(&db.state, &smirnov, draft.id)
            .await
            .expect("versions");
        assert_eq!(
            history.iter().map(|v| v.version).collect::<Vec<_>>(),
            vec![2, 1]
        );
        assert_eq!(history[0].reason, "Опубликовано");
        assert_eq!(
            history[0].author.as_ref().map(|a| a.login.as_str()),
            Some("smirnov")
        );
        let diff = kb::compare(&db.state, &smirnov, draft.id, 1, 2)
            .await
            .expect("diff");
        assert!(
            diff.iter()
                .any(|l| l.change == "removed" && l.text == "Сдают до пятого числа."),
            "{diff:?}"
        );
        assert!(
            diff.iter()
                .any(|l| l.change == "added" && l.text.contains("в бухгалтерию")),
            "{diff:?}"
        );

        // A reader sees the published version only: neither the draft's
        // text nor a comparison with it.
        let read = kb::versions(&db.state, &ivanova, draft.id)
            .await
            .expect("reader's versions");
        assert_eq!(read.iter().map(|v| v.version).collect::<Vec<_>>(), vec![2]);
        assert_eq!(
            err(kb::compare(&db.state, &ivanova, draft.id, 1, 2)
                .await
                .expect_err("draft compared")),
            AppError::NotFound
        );
        assert_eq!(
            kb::compare(&db.state, &ivanova, draft.id, 2, 2)
                .await
                .expect("published with itself")
                .len(),
            3
        );

        let restored = kb::restore(&db.state, &smirnov, draft.id, 1)
            .await
            .expect("restored");
        assert_eq!((restored.version, restored.status.as_str()), (3, "draft"));
        assert!(
            kb::search(&db.state, "табеля", 5)
                .await
                .expect("search")
                .is_empty(),
            "back to draft: hidden again"
        );

        kb::delete(&db.state, &smirnov, draft.id)
            .await
            .expect("deleted");
        assert_eq!(
            err(kb::get(&db.state, &smirnov, draft.id)
                .await
                .expect_err("gone")),
            AppError::NotFound
        );
    }
);

on_both_databases!(
    async fn bad_articles_are_refused_field_by_field(db: TestDb) {
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let mut input = article(" ", "", "secret");
        input.section = "gossip".into();
        input.unit = Some("BUH".into());
        input.kinds = vec!["teleport".into()];
        let e = err(kb::create(&db.state, &smirnov, input)
            .await
            .expect_err("invalid"));
        let fields: Vec<&str> = e.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["title", "section", "status", "kinds", "unit"]);
        assert_eq!(
            kb::list(&db.state, &smirnov, None, 100)
                .await
                .expect("list")
                .len(),
            6,
            "only the seeded ones"
        );
    }
);

on_both_databases!(
    async fn another_instance_finds_what_this_one_published(db: TestDb) {
        let admin = db.user("admin", &["employee", "admin"]).await;
        let other = AppState::new(db.state.db.clone(), (*db.state.config).clone());
        assert!(
            kb::search(&other, "отпуск", 5)
                .await
                .expect("search")
                .is_empty()
        );
        kb::create(
            &db.state,
            &admin,
            article(
                "Отпуск по графику",
                "График отпусков утверждают в декабре.",
                "published",
            ),
        )
        .await
        .expect("created");
        let hits = kb::search(&other, "отпуска", 5).await.expect("search");
        assert_eq!(
            hits.first().map(|h| h.title.as_str()),
            Some("Отпуск по графику")
        );
    }
);

on_both_databases!(
    async fn the_administrator_extends_the_sections(db: TestDb) {
        let admin = db.user("admin", &["employee", "admin"]).await;
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        assert_eq!(
            err(
                kb::save_section(&db.state, &smirnov, "memos", "Памятки", "")
                    .await
                    .expect_err("not admin")
            ),
            AppError::Forbidden
        );
        let e = err(kb::save_section(&db.state, &admin, "Памятки!", " ", "")
            .await
            .expect_err("invalid"));
        let fields: Vec<&str> = e.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["code", "title"]);
        kb::save_section(&db.state, &admin, "memos", "Памятки", "Memos")
            .await
            .expect("added");
        let sections = kb::sections(&db.state).await.expect("sections");
        assert_eq!(sections.len(), 7);
        assert_eq!(sections.last().map(|s| s.code.as_str()), Some("memos"));
        let mut input = article(
            "Памятка по пропускам",
            "Пропуск выдают в кабинете 101.",
            "published",
        );
        input.section = "memos".into();
        kb::create(&db.state, &smirnov, input)
            .await
            .expect("an article in the new section");
    }
);

on_both_databases!(
    async fn of_ten_simultaneous_saves_of_one_article_one_wins_and_nine_hear_it_changed(
        db: TestDb,
    ) {
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let a = kb::create(&db.state, &smirnov, article("Табель", "Текст.", "draft"))
            .await
            .expect("created");
        let mut set = tokio::task::JoinSet::new();
        for i in 0..10 {
            let state = db.state.clone();
            let who = smirnov.clone();
            set.spawn(async move {
                kb::update(
                    &state,
                    &who,
                    a.id,
                    article("Табель", &format!("Текст {i}."), "published"),
                )
                .await
                .map_err(AppError::from)
            });
        }
        let mut results = Vec::new();
        while let Some(done) = set.join_next().await {
            results.push(done.expect("task"));
        }
        let won = results.iter().filter(|r| r.is_ok()).count();
        let changed = results
            .iter()
            .filter(
                |r| matches!(r, Err(AppError::Conflict { reason }) if reason == "article_changed"),
            )
            .count();
        // Each save that read the article before another committed is refused.
        assert!(won >= 1, "{results:?}");
        assert_eq!(won + changed, 10, "{results:?}");
        let history = kb::versions(&db.state, &smirnov, a.id)
            .await
            .expect("versions");
        assert_eq!(history.len(), 1 + won, "one version per successful save");
        assert_eq!(history[0].version, 1 + won as i32);
    }
);

on_both_databases!(
    async fn the_home_lists_published_articles_however_many_drafts_are_newer(db: TestDb) {
        let smirnov = db.user("smirnov", &["employee", "executor:IT"]).await;
        let ivanova = db.user("ivanova", &["employee"]).await;
        let popov = db.user("popov", &["employee", "executor:AHO"]).await;
        for i in 0..25 {
            let mut published = article(&format!("Статья {i}"), "Текст.", "published");
            published.unit = Some("IT".into());
            kb::create(&db.state, &smirnov, published)
                .await
                .expect("published");
        }
        // Forty drafts of IT, all newer than every published article.
        for i in 0..40 {
            let mut draft = article(&format!("Черновик {i}"), "Текст.", "draft");
            draft.unit = Some("IT".into());
            kb::create(&db.state, &smirnov, draft).await.expect("draft");
        }
        for reader in [&ivanova, &popov] {
            let home = kb::list(&db.state, reader, None, 20).await.expect("list");
            assert_eq!(home.len(), 20, "a full page of what they may read");
            assert!(home.iter().all(|a| a.status == "published"), "{home:?}");
        }
        // IT's own staff see their drafts too, newest first.
        let theirs = kb::list(&db.state, &smirnov, None, 100)
            .await
            .expect("list");
        assert_eq!(theirs.iter().filter(|a| a.status == "draft").count(), 40);
    }
);
