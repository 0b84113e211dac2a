# Reference values for tests/analysis/test_design_*.py, computed with R's survey package
# (R 4.2, survey 4.1-1, Debian bookworm). Run: Rscript tests/analysis/data/design_reference.R
# It writes the data files the Python tests read (so the tests never need R) and prints
# every pinned value with 17 significant digits.
suppressMessages(library(survey))
here <- "tests/analysis/data"
data(api)

# --- data files ------------------------------------------------------------------------
keep <- c("snum", "dnum", "stype", "sch.wide", "comp.imp", "ell", "pw", "fpc", "api00", "api99", "enroll")
clus <- apiclus1[, keep]
# an artificial stratification of the 15 districts in which "island" holds a single PSU
clus$region <- ifelse(clus$dnum %in% c(61, 135, 178, 197, 255), "north",
               ifelse(clus$dnum %in% c(406, 413, 437, 448, 510), "centre",
               ifelse(clus$dnum == 815, "island", "south")))
write.csv(clus, file.path(here, "apiclus1_design.csv"), row.names = FALSE)
write.csv(apistrat[, setdiff(keep, "dnum")], file.path(here, "apistrat_design.csv"), row.names = FALSE)

# a generated two-cycle city survey: boroughs are strata (N = population), satisfaction
# depends on age, which (with sex) is raked to census margins
set.seed(20241)
gen <- function(cycle, shift) {
  N <- c(A = 52000, B = 31000, C = 12000, D = 5000)
  n <- c(A = 60, B = 45, C = 40, D = 25)
  borough <- rep(names(n), n)
  age <- sample(c("18-34", "35-64", "65+"), sum(n), replace = TRUE, prob = c(0.2, 0.5, 0.3))
  sex <- sample(c("F", "M"), sum(n), replace = TRUE)
  p <- cbind(c(.15, .2, .3, .25, .1), c(.08, .12, .25, .35, .2), c(.04, .06, .15, .35, .4))
  p <- p[, match(age, c("18-34", "35-64", "65+"))]
  rating <- apply(p, 2, function(pr) sample(1:5, 1, prob = pr)) + shift
  rating <- pmin(pmax(rating, 1), 5)
  data.frame(cycle = cycle, borough = borough, N = unname(N[borough]), age = age, sex = sex,
             rating = rating)
}
city <- rbind(gen(2023, 0), gen(2024, 1))
city$rating[city$cycle == 2024 & city$borough == "D"][1:3] <- 2
write.csv(city, file.path(here, "city_two_cycles.csv"), row.names = FALSE)

# --- read back what Python reads --------------------------------------------------------
clus <- read.csv(file.path(here, "apiclus1_design.csv"))
strat <- read.csv(file.path(here, "apistrat_design.csv"))
city <- read.csv(file.path(here, "city_two_cycles.csv"))
out <- function(label, x) cat(sprintf("%-44s %s\n", label, paste(sprintf("%.17g", x), collapse = " ")))
m <- function(label, s) out(label, c(coef(s), SE(s)))
tight <- list(maxit = 1000, epsilon = 1e-13)

dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = clus, fpc = ~fpc)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = strat, fpc = ~fpc)
dclus1_nw <- svydesign(id = ~dnum, fpc = ~fpc, data = clus)  # weights from fpc, as ?svyciprop
out("degf dclus1 dstrat", c(degf(dclus1), degf(dstrat)))

# point 1: domains
m("dclus1 api00 | stype==E", svymean(~api00, subset(dclus1, stype == "E")))
out("  degf", degf(subset(dclus1, stype == "E")))
m("dstrat api00 | sch.wide==No", svymean(~api00, subset(dstrat, sch.wide == "No")))
out("  degf", degf(subset(dstrat, sch.wide == "No")))
m("dclus1 api00 | dnum==637", svymean(~api00, subset(dclus1, dnum == 637)))
out("  degf", degf(subset(dclus1, dnum == 637)))

# point 1: fpc without weights
m("dclus1_nw api00", svymean(~api00, dclus1_nw))
small <- data.frame(y = c(1, 2, 3, 4, 5, 5, 4, 3, 2, 4, 5, 5), h = rep(c("a", "b"), c(8, 4)),
                    N = rep(c(40, 400), c(8, 4)))
m("small fpc only", svymean(~y, svydesign(id = ~1, strata = ~h, fpc = ~N, data = small)))

# point 1: lonely PSU
for (opt in c("adjust", "average", "certainty", "remove")) {
  options(survey.lonely.psu = opt)
  m(paste("region lonely", opt),
    svymean(~api00, svydesign(id = ~dnum, strata = ~region, weights = ~pw, data = clus)))
}
options(survey.lonely.psu = "fail")

# point 1: raking (Lumley 2010 s. 7.3, ?rake), raked to convergence
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
rclus1 <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide), control = tight)
m("rclus1 api00", svymean(~api00, rclus1))
m("rclus1 api00 | stype==E", svymean(~api00, subset(rclus1, stype == "E")))
rclus1_default <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide))
m("rclus1 (default control) api00", svymean(~api00, rclus1_default))

c23 <- city[city$cycle == 2023, ]
c24 <- city[city$cycle == 2024, ]
pop.age <- data.frame(age = c("18-34", "35-64", "65+"), Freq = c(30000, 48000, 22000))
pop.sex <- data.frame(sex = c("F", "M"), Freq = c(52000, 48000))
d23 <- svydesign(id = ~1, strata = ~borough, fpc = ~N, data = c23)
d24 <- svydesign(id = ~1, strata = ~borough, fpc = ~N, data = c24)
r23 <- rake(d23, list(~age, ~sex), list(pop.age, pop.sex), control = tight)
r24 <- rake(d24, list(~age, ~sex), list(pop.age, pop.sex), control = tight)
m("city23 rating (fpc only)", svymean(~rating, d23))
m("city23 rating raked", svymean(~rating, r23))
m("city24 rating raked", svymean(~rating, r24))
m("city23 rating raked | borough==C", svymean(~rating, subset(r23, borough == "C")))
m("city23 rating | age==65+", svymean(~rating, subset(d23, age == "65+")))

# point 2: svyciprop
for (meth in c("logit", "beta", "mean")) {
  ci <- function(s) c(s, sqrt(attr(s, "var")), attr(s, "ci"))
  out(paste("dclus1_nw ell==0", meth), ci(svyciprop(~I(ell == 0), dclus1_nw, method = meth)))
  out(paste("dstrat comp.imp", meth), ci(svyciprop(~I(comp.imp == "Yes"), dstrat, method = meth)))
  out(paste("dstrat comp.imp | stype==H 90%", meth),
      ci(svyciprop(~I(comp.imp == "Yes"), subset(dstrat, stype == "H"), method = meth, level = 0.9)))
  out(paste("city23 satisfied raked", meth), ci(svyciprop(~I(rating >= 4), r23, method = meth)))
  out(paste("city24 satisfied raked", meth), ci(svyciprop(~I(rating >= 4), r24, method = meth)))
  out(paste("city23 satisfied raked | borough==D", meth),
      ci(svyciprop(~I(rating >= 4), subset(r23, borough == "D"), method = meth)))
}

# point 3: change between cycles, one stacked design (cycles are independent strata)
city$stratum <- paste(city$cycle, city$borough)
city$cycle_age <- paste(city$cycle, city$age)
city$cycle_sex <- paste(city$cycle, city$sex)
dboth <- svydesign(id = ~1, strata = ~stratum, fpc = ~N, data = city)
pop.cage <- data.frame(cycle_age = paste(rep(c(2023, 2024), each = 3), pop.age$age), Freq = rep(pop.age$Freq, 2))
pop.csex <- data.frame(cycle_sex = paste(rep(c(2023, 2024), each = 2), pop.sex$sex), Freq = rep(pop.sex$Freq, 2))
rboth <- rake(dboth, list(~cycle_age, ~cycle_sex), list(pop.cage, pop.csex), control = tight)
# the change is the cycle coefficient of a design-based regression on the stacked design
ch <- svyglm(I(rating >= 4) ~ factor(cycle), rboth)
out("stacked raked satisfied 2024-2023 (est, SE)", c(coef(ch)[2], SE(ch)[2]))
chr <- svyglm(rating ~ factor(cycle), rboth)
out("stacked raked rating 2024-2023 (est, SE)", c(coef(chr)[2], SE(chr)[2]))
chu <- svyglm(I(rating >= 4) ~ factor(cycle), dboth)
out("stacked satisfied 2024-2023 (est, SE)", c(coef(chu)[2], SE(chu)[2]))
rs <- function(t) c(t$statistic, t$parameter, t$p.value)
out("svychisq rating+cycle dboth F", rs(svychisq(~rating + cycle, dboth, statistic = "F")))
out("svychisq rating+cycle dboth Chisq", rs(svychisq(~rating + cycle, dboth, statistic = "Chisq")))
out("svychisq rating+cycle rboth F", rs(svychisq(~rating + cycle, rboth, statistic = "F")))
out("svychisq sch.wide+stype dclus1 F", rs(svychisq(~sch.wide + stype, dclus1, statistic = "F")))
out("svychisq sch.wide+stype dclus1 Chisq", rs(svychisq(~sch.wide + stype, dclus1, statistic = "Chisq")))
out("svychisq stype+comp.imp dstrat F", rs(svychisq(~stype + comp.imp, dstrat, statistic = "F")))

# the issue's 1 satisfied out of 60 (simple random sample, no weights)
one60 <- svydesign(id = ~1, data = data.frame(y = c(1, rep(0, 59))))
for (meth in c("logit", "beta")) {
  s <- svyciprop(~I(y == 1), one60, method = meth)
  out(paste("one in sixty", meth), c(s, sqrt(attr(s, "var")), attr(s, "ci")))
}
