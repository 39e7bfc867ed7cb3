DROP TABLE oauth_keys;
DROP TABLE oauth_tokens;
DROP TABLE oauth_codes;
DROP TABLE oauth_grants;
DROP TABLE oauth_login_codes;
DROP TABLE oauth_clients;
