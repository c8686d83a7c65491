"""Small articles written for the tests (fictional events; not from any evaluation set)."""

GERMAN_FLOOD = """Hochwasser in Passau: Altstadt unter Wasser
Nach tagelangem Starkregen ist die Donau in Passau über die Ufer getreten. Der Pegel erreichte am Montagmorgen 9,80 Meter, teilte die Stadtverwaltung mit. Feuerwehr und Technisches Hilfswerk evakuierten mehrere Straßenzüge in der Altstadt.
Oberbürgermeister Jürgen Dupper rief den Katastrophenfall aus. Schulen und Kindergärten bleiben bis Mittwoch geschlossen. Die Bahnstrecke nach Regensburg ist gesperrt, Ersatzbusse fahren nicht.
Meteorologen des Deutschen Wetterdienstes erwarten für die kommenden Tage weiteren Regen im Bayerischen Wald. Anwohner an Inn und Ilz sollen Keller räumen und Sandsäcke bereithalten."""

GERMAN_FLOOD_FOLLOWUP = """Passau: Donau-Pegel sinkt langsam
Nach dem Hochwasser in Passau entspannt sich die Lage. Der Pegel der Donau fiel am Dienstag auf 8,90 Meter. Das Technische Hilfswerk pumpt Keller in der Altstadt leer, die Feuerwehr bleibt im Einsatz.
Oberbürgermeister Dupper dankte den Helfern. Der Katastrophenfall gilt weiter, Schulen bleiben bis Mittwoch geschlossen. Die Bahnstrecke nach Regensburg soll am Donnerstag wieder freigegeben werden."""

GERMAN_TRUMP_UKRAINE = """Trump macht Selenskyj für Andauern des Kriegs verantwortlich
US-Präsident Donald Trump hat dem ukrainischen Präsidenten Wolodymyr Selenskyj eine Mitverantwortung für die Fortdauer des Krieges gegeben. Selenskyj habe Verhandlungen zu lange abgelehnt, sagte Trump vor Journalisten in Florida.
In Kiew stießen die Äußerungen auf scharfe Kritik. Der ukrainische Außenminister sprach von einer Verdrehung der Tatsachen. Europäische Regierungen kündigten an, die Militärhilfe für die Ukraine fortzusetzen.
Die Gespräche zwischen Washington und Moskau über eine Waffenruhe sollen in Riad fortgesetzt werden."""

ENGLISH_BRIDGE = """Bridge collapse closes river crossing in Millbrook
A section of the Harlow Street bridge in Millbrook collapsed early on Saturday, sending two empty trucks into the Fenwick River, city officials said.
No one was injured, according to fire chief Dana Ortiz, who said the drivers had left their vehicles minutes before the span gave way after a warning from a night patrol.
Engineers from the state transportation department inspected the 1962 structure last spring and rated its deck as poor. Mayor Colin Reyes ordered all traffic rerouted over the Quarry Road crossing and promised an independent review.
Divers recovered the trucks on Sunday afternoon. The bridge will stay closed for at least six months."""

ENGLISH_BRIDGE_OTHER_OUTLET = """Millbrook bridge gives way, trucks plunge into Fenwick River
Part of Millbrook's Harlow Street bridge fell into the Fenwick River on Saturday morning, taking two parked trucks with it.
Fire chief Dana Ortiz told reporters nobody was hurt because a night patrol had warned the drivers. The state had rated the deck of the 1962 bridge as poor last spring.
Mayor Colin Reyes said traffic would use Quarry Road and that an independent review would look at the inspection record."""

ENGLISH_ELECTION = """Coastal county recount confirms narrow council result
A recount in Seaview County confirmed on Tuesday that incumbent councillor Priya Natarajan kept her seat by 41 votes over challenger Tom Becker.
Election supervisor Helen Park said the hand count of 18,204 ballots matched the machine tally in all but three precincts, where provisional ballots had been misfiled.
Becker conceded in a statement and thanked volunteers. The new council will be sworn in on January 6."""

PLAIN_FOOTER = "Copyright Millbrook Gazette. All rights reserved. Subscribe for unlimited access."

# Two stories from one town, each told three times: with a very low join threshold the
# second story's reports first join the first story's cluster, which repair must split.
_TOWN = "Millbrook, the river town of 40,000 people in Fenwick County, "
MILLBROOK_BUDGET = [
    _TOWN + "approved a budget of 12 million dollars for a new bridge over the Fenwick "
    "River on Tuesday. Council members voted seven to two for the steel bridge design.",
    "The Millbrook council voted seven to two on Tuesday to fund the new Fenwick River "
    "bridge. " + _TOWN + "will spend 12 million dollars on the steel design.",
    "A steel bridge across the Fenwick River will cost Millbrook 12 million dollars "
    "after the council vote on Tuesday. " + _TOWN + "expects construction next spring.",
]
MILLBROOK_MAYOR = [
    _TOWN + "lost its mayor on Friday: Dana Okafor resigned after auditors found "
    "campaign funds paid for private holidays. Okafor denied wrongdoing.",
    "Mayor Dana Okafor of Millbrook resigned on Friday. Auditors said campaign money "
    "covered private holidays; " + _TOWN + "will hold a special election.",
    "Okafor quits: the Millbrook mayor stepped down on Friday over an audit of campaign "
    "funds spent on holidays. " + _TOWN + "now has an acting mayor.",
]

# The budget story as German outlets would tell it: one story, in two languages.
_ORT = "Millbrook, die Flussstadt mit 40.000 Einwohnern im Fenwick County, "
MILLBROOK_BUDGET_DE = [
    _ORT + "hat am Dienstag 12 Millionen Dollar für eine neue Brücke über den Fenwick "
    "River bewilligt. Der Stadtrat stimmte mit sieben zu zwei Stimmen für die Stahlbrücke.",
    "Der Stadtrat von Millbrook stimmte am Dienstag mit sieben zu zwei Stimmen für die "
    "neue Brücke über den Fenwick River. " + _ORT + "gibt 12 Millionen Dollar aus.",
    "Eine Stahlbrücke über den Fenwick River kostet Millbrook 12 Millionen Dollar, so "
    "der Beschluss vom Dienstag. " + _ORT + "rechnet mit dem Baubeginn im Frühjahr.",
]


SUMMIT_ANNOUNCED = """Trump and Kim to meet in Singapore on June 12
President Donald Trump said on Thursday he will meet North Korean leader Kim Jong Un in Singapore on June 12, the first summit between a sitting U.S. president and a North Korean leader.
Trump announced the date on Twitter hours after welcoming three Americans released by Pyongyang. "We will both try to make it a very special moment for World Peace," he wrote.
Secretary of State Mike Pompeo, who met Kim in Pyongyang this week, said the summit would focus on the denuclearization of the Korean peninsula."""

SUMMIT_CANCELLED = """Trump calls off Singapore summit with Kim Jong Un
President Donald Trump on Thursday cancelled his planned June 12 meeting with North Korean leader Kim Jong Un, citing "tremendous anger and open hostility" in a recent statement from Pyongyang.
In a letter released by the White House, Trump told Kim it would be inappropriate to hold the long-planned talks at this time, but left the door open to a meeting later.
South Korea's President Moon Jae-in said he was perplexed and very regretful. Hours earlier North Korea said it had demolished its nuclear test site at Punggye-ri."""
