-- The PHP peer's log table (bench/peers/otp_check.php); the bench creates it in WAL mode.
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS otp_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    usrid TEXT NOT NULL,
    eval_cd TEXT NOT NULL,
    class_tme TEXT NOT NULL,
    hrd_code TEXT NOT NULL,
    ip TEXT NOT NULL
);
