"""Social learners sign themselves up: real name, ID number, a phone proved by an SMS code, a
password, and consent to the privacy notice (个人信息保护法). See ``services`` for the rules."""
