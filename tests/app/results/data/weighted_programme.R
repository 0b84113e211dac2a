# Reference values for tests/app/results/test_weighted_vs_r.py (R 4.2, survey 4.x):
#   Rscript tests/app/results/data/weighted_programme.R
# Each cycle's respondents of weighted_programme.csv form one design, raked on language and
# contact; respondents without a contact answer form a raking category "none" of their own
# (population total: their number), so they keep weight 1. A view (channel == "kiosk") is a
# domain of that design: subset() of the raked design.
library(survey)
options(digits = 12)
d <- read.csv(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))),
                        "weighted_programme.csv"), colClasses = c(cycle = "character"))
d$contact[d$contact == ""] <- NA
shares <- list(language = c(fr = 0.7, en = 0.3), contact = c(counter = 0.45, phone = 0.55))

raked <- function(code) {
  x <- d[d$cycle == code, ]
  x$none <- is.na(x$contact)
  u <- sum(x$none); nk <- nrow(x) - u
  x$lang_r <- ifelse(x$none, "none", x$language)
  x$contact_r <- ifelse(x$none, "none", x$contact)
  x$index <- (x$overall - 1) * 25
  x$one <- 1
  x$satisfied <- as.numeric(x$overall >= 4)
  pop_l <- data.frame(lang_r = c("fr", "en", "none"), Freq = c(shares$language * nk, u))
  pop_c <- data.frame(contact_r = c("counter", "phone", "none"), Freq = c(shares$contact * nk, u))
  if (u == 0) { pop_l <- pop_l[1:2, ]; pop_c <- pop_c[1:2, ] }
  rake(svydesign(ids = ~1, data = x, weights = ~one), list(~lang_r, ~contact_r), list(pop_l, pop_c),
       control = list(maxit = 200, epsilon = 1e-10))
}

figures <- function(des, label) {
  m <- svymean(~index, des)
  df <- degf(des)
  ci <- coef(m) + c(-1, 1) * qt(0.975, df) * as.numeric(SE(m))
  p <- svyciprop(~I(satisfied == 1), des, method = "logit")
  pci <- attr(p, "ci")
  cat(sprintf("%s index %.12f se %.12f ci %.12f %.12f df %d\n", label, coef(m), SE(m), ci[1], ci[2], df))
  cat(sprintf("%s pct %.12f se %.12f ci %.12f %.12f\n", label, coef(p), SE(p), pci[1], pci[2]))
  list(m = as.numeric(coef(m)), se = as.numeric(SE(m)), df = df, p = as.numeric(coef(p)), pse = as.numeric(SE(p)), pci = pci)
}

change <- function(a, b, label) {
  d1 <- a$m - b$m; se <- sqrt(a$se^2 + b$se^2)
  df <- (a$se^2 + b$se^2)^2 / (a$se^4 / a$df + b$se^4 / b$df)
  ci <- d1 + c(-1, 1) * qt(0.975, df) * se
  pv <- 2 * pt(-abs(d1 / se), df)
  dp <- a$p - b$p  # MOVER of the two logit intervals (Zou & Donner 2008)
  pci <- c(dp - sqrt((a$p - a$pci[1])^2 + (b$pci[2] - b$p)^2), dp + sqrt((a$pci[2] - a$p)^2 + (b$p - b$pci[1])^2))
  cat(sprintf("%s index_diff %.12f ci %.12f %.12f p %.12g\n", label, d1, ci[1], ci[2], pv))
  cat(sprintf("%s pct_diff %.12f ci %.12f %.12f\n", label, dp, pci[1], pci[2]))
}

r26 <- raked("2026"); r25 <- raked("2025")
all26 <- figures(r26, "2026 all"); all25 <- figures(r25, "2025 all")
change(all26, all25, "all")
k26 <- figures(subset(r26, channel == "kiosk"), "2026 kiosk")
k25 <- figures(subset(r25, channel == "kiosk"), "2025 kiosk")
# 12 of 12 kiosk respondents satisfied: svyciprop's variance is 0 and its interval a point;
# the application takes Clopper-Pearson at n = 12 instead:
print(binom.test(12, 12)$conf.int)
k26$p <- 1; k26$pci <- as.numeric(binom.test(12, 12)$conf.int)
change(k26, k25, "kiosk")
# The unweighted path, kiosk view: a Student t interval on the view's answers.
y <- (d$overall[d$cycle == "2026" & d$channel == "kiosk"] - 1) * 25
print(t.test(y)$conf.int)
# ... where the domain of one unweighted design would give a SE smaller by sqrt(n (n_d - 1) / ((n - 1) n_d)):
x26 <- d[d$cycle == "2026", ]; x26$index <- (x26$overall - 1) * 25; x26$one <- 1
print(svymean(~index, subset(svydesign(ids = ~1, data = x26, weights = ~one), channel == "kiosk")))
print(svymean(~index, svydesign(ids = ~1, data = x26[x26$channel == "kiosk", ], weights = ~one)))
