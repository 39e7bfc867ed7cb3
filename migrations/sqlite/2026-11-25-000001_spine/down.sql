DROP TABLE track_tags;
DROP TABLE tracks;
DROP TABLE tags;
DROP TABLE projects;
DROP TABLE clients;
DROP TABLE user_settings;
DROP TABLE api_tokens;
DROP TABLE users;
