"""How a secret shows wherever gpu-platform prints or writes one without its value: a stack file's `secure:` value
read offline, a secret input or output in plan.json, a secret the offline plan fills in. One placeholder, so a
reader (or a policy rule) recognises it everywhere."""

SECRET = "[secret]"
