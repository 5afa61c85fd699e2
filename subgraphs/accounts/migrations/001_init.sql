create table accounts.users (
  id uuid primary key,
  -- Stored lower case, so this constraint makes emails unique whatever case a client sends.
  email text not null constraint users_email_key unique,
  name text not null,
  role text not null check (role in ('CUSTOMER', 'ADMIN')),
  -- scrypt$N$r$p$salt$hash; never selected by the read paths.
  password_hash text not null,
  created_at timestamptz(3) not null
);
