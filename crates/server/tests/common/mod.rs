//! Shared by the integration tests: which database engine a test runs on. With
//! `MOTP_TEST_POSTGRES_URL` set (`make test` starts a throwaway PostgreSQL and sets it), every test
//! gets a fresh PostgreSQL database; otherwise a fresh SQLite file in its temp dir.

use sqlx::Connection;

pub async fn database_url(dir: &std::path::Path) -> String {
    match std::env::var("MOTP_TEST_POSTGRES_URL") {
        Ok(admin_url) => {
            let name = format!("motp_test_{}", motp_server::token::random_id());
            let mut admin = sqlx::PgConnection::connect(&admin_url)
                .await
                .expect("the test PostgreSQL answers");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await
                .expect("a test database is created");
            let base = admin_url.rsplit_once('/').expect("URL with a database").0;
            format!("{base}/{name}")
        }
        Err(_) => format!("sqlite://{}", dir.join("motp.db").display()),
    }
}
