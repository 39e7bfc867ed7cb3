DROP TABLE sign_in_failures;
DROP INDEX web_sessions_user;
DROP TABLE web_sessions;
DROP TABLE user_passwords;
