"""Passwords too common to allow (issue 8), checked case-insensitively.

Sources, kept apart below:

* ``_NCSC_TOP``: the leading entries (about the first 330, lightly pruned of
  offensive words) of the UK National Cyber Security Centre's "100k most used
  passwords" list (from Have I Been Pwned, 2019), as kept in
  danielmiessler/SecLists at
  ``Passwords/Common-Credentials/100k-most-used-passwords-NCSC.txt``.
* ``_PATTERNS``: not from a published list. With a 12-character minimum
  (``healthvisitor.domain.accounts``) most list entries are refused by length
  anyway, so these are the longer keyboard walks, number runs and suffixed
  forms of the entries above that a 12-character rule invites.
* ``_LOCAL``: phrases of the health visiting world a colleague might guess.

Kept as a Python module rather than a data file so the installer bundles it
with no extra step. A fuller check (the whole 100k list, or a k-anonymity
query of Pwned Passwords) is for later; this list only stops the obvious.
"""

from __future__ import annotations

_NCSC_TOP = """
123456 123456789 qwerty password 111111 12345678 abc123 1234567 password1 12345
1234567890 123123 000000 iloveyou 1234 1q2w3e4r5t qwertyuiop 123 monkey dragon
123456a 654321 123321 666666 1qaz2wsx myspace1 121212 homelesspa 123qwe a123456
123abc 1q2w3e4r qwe123 7777777 qwerty123 target123 tinkle 987654321 qwerty1
222222 zxcvbnm 1g2w3e4r gwerty zag12wsx gwerty123 555555 112233 asdfghjkl 1q2w3e
123123123 qazwsx computer princess 12345a ashley 159753 michael football sunshine
1234qwer iloveyou1 aaaaaa 789456123 daniel 777777 princess1 123654 11111 asdfgh
999999 11111111 passer2009 888888 love abcd1234 shadow football1 love123 superman
jordan23 jessica monkey1 12qwaszx a12345 baseball 123456789a killer asdf samsung
master azerty charlie asd123 soccer 88888888 jordan michael1 jesus1 linkedin
babygirl1 789456 blink182 thomas qwer1234 333333 liverpool michelle nicole qwert
131313 asdasd 987654 lovely q1w2e3r4 0123456789 andrew hello1 joshua justin
anthony angel1 iloveyou2 1111111 zxcvbn hello 1111 jennifer hunter naruto welcome
159357 101010 tigger 147258369 babygirl jessica1 parola 5201314 robert 696969
102030 0987654321 loveme 123456q apple pokemon mother money1 secret anthony1
purple q1w2e3r4t5y6 baseball1 qazwsxedc 1111111111 abc buster matthew andrea
soccer1 basketball hannah freedom golfer chelsea passw0rd george trustno1 friends
william iloveu amanda number1 chocolate qwerty12 summer flower charlie1 maggie
samantha asdf1234 letmein superman1 marina 147258 batman butterfly 010203 qweqwe
forever mustang sunshine1 ashley1 internet london harley alexander xbox360
00000000 12341234 q1w2e3 pepper family loveyou whatever jasmine orange user
junior cookie martin qweasdzxc 212121 1qazxsw2 password12 google password2 111222
hello123 jordan1 shadow1 patrick ginger nicole1 mylove arsenal 12344321 abcdef
taylor myspace brandon angel diamond snoopy qweasd starwars matrix mickey school
jonathan melissa 1234561 lovers 1234567891 richard yellow 12345qwert oliver
q1w2e3r4t5 cheese a123456789 christian 12345678910 sophie bailey mercedes victoria
147852 abcdefg peanut 456789 happy1 benjamin dragon1 444444 123654789 elizabeth
banana barcelona computer1 michelle1 william1 hockey monster 0000 11223344
chicken welcome1 zaq12wsx silver rainbow 1qaz2wsx3edc liverpool1 metallica
87654321 spiderman 147852369 qwerty12345 1234554321 asdfasdf 123qweasd
qwerty123456 123qweasdzxc 1q2w3e4r5t6y 0000000000 123456654321 1122334455
1029384756 1234512345 9876543210 12345678910 q1w2e3r4t5y6 1qaz2wsx3edc
"""

_PATTERNS = """
qwertyuiop123 123456789012 1234567890123 qwertyuiop1 passwordpassword password1234
password12345 password123456 iloveyou1234 123456abcdef
abcdefghijkl abcd12345678 1qaz2wsx3edc4rfv zaq12wsxcde3 qazwsxedcrfv 1q2w3e4r5t6y7u
q1w2e3r4t5y6u7 asdfghjkl123 zxcvbnm12345 qwertyuiopasdfghjkl 1234567890qwerty
qwerty1234567 monkey123456 football1234 princess1234 sunshine1234 welcome12345
changeme123 password123 password! Password1 P@ssw0rd p@ssw0rd Passw0rd passw0rd1
letmein123 letmeinplease administrator admin123 admin12345 welcome123 iloveyou123
"""

#: Our own additions: phrases people in the NHS are likely to pick (not from NCSC).
_LOCAL = """
healthvisitor healthvisitor1 healthvisitor123 healthvisiting healthvisiting1
nhspassword nhspassword1 nhspassword123 nhs123456789 password-nhs
healthyChildProgramme redbook123456 caseload123456 changemenow12 changemeplease
"""

COMMON_PASSWORDS: frozenset[str] = frozenset(
    word.lower() for word in (_NCSC_TOP + _PATTERNS + _LOCAL).split()
)
