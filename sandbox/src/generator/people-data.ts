// Name and address pools for synthetic UK patients: common names in England and Wales across generations and
// backgrounds (including apostrophes, hyphens and accents), and towns around the trust with their postcode areas.

/** Female given names. */
export const FEMALE_NAMES: readonly string[] = (
  "Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Florence Poppy Evie Ella Willow Sophie " +
  "Charlotte Emily Jessica Hannah Chloe Lucy Megan Holly Ellie Katie Lauren Rebecca Amy Laura Sarah Emma Rachel " +
  "Nicola Claire Michelle Joanne Helen Karen Lisa Julie Alison Susan Tracey Dawn Deborah Angela Gillian Linda " +
  "Patricia Margaret Elizabeth Mary Barbara Jean Sandra Christine Carol Janet Maureen Pauline Brenda Doreen " +
  "Joan Dorothy Irene Sheila Valerie Shirley Sian Bethan Ffion Cerys Nia Aoife Siobhan Niamh Priya Anjali " +
  "Fatima Aisha Zainab Maryam Ayesha Amina Nusrat Farah Agnieszka Katarzyna Joanna Oluwatoyin Chidinma Adaeze " +
  "Zoë Renée Chloé Anne-Marie Mary-Jane Jo"
).split(" ");

/** Male given names. */
export const MALE_NAMES: readonly string[] = (
  "Oliver George Noah Arthur Muhammad Leo Harry Oscar Archie Henry Theodore Freddie Jack Charlie Thomas James " +
  "William Daniel Joshua Samuel Benjamin Jacob Alexander Ryan Luke Matthew Adam Liam Callum Jamie Lewis Nathan " +
  "Michael David Paul Mark Andrew Richard Stephen Christopher Robert Peter Simon Neil Gary Darren Wayne Craig " +
  "Lee Stuart Ian Kevin Anthony John Alan Brian Keith Colin Derek Graham Roy Kenneth Raymond Dennis Geoffrey " +
  "Trevor Barry Malcolm Gareth Rhys Dylan Owain Emyr Sean Declan Ciaran Rory Hamish Euan Mohammed Imran Tariq " +
  "Bilal Arjun Rohan Sanjay Vikram Harpreet Jaspreet Piotr Tomasz Krzysztof Chukwuemeka Oluwaseun Kwame Jean-Luc " +
  "José Zé"
).split(" ");

/** Family names. */
export const SURNAMES: readonly string[] = (
  "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright Walker " +
  "White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill Ward Morris " +
  "Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price Bennett Young " +
  "Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan " +
  "Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali " +
  "Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher " +
  "Stevens Jenkins Murray Dixon Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart " +
  "Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer " +
  "Gill Dawson Ball Burton O'Brien O'Neill McDonald MacLeod Nowak Kowalski Wiśniewski Okafor Adeyemi Mensah " +
  "Chowdhury Rahman Sharma Gupta Nguyen Chen Wong Smith-Jones Lloyd-Williams Hughes-Davies Ap-Rhys D'Souza"
).split(" ");

/** A town near the trust: county, postcode area and districts, and localities used for address line 2. */
export interface Town {
  city: string;
  county: string;
  area: string;
  districts: readonly number[];
  localities: readonly string[];
}

/** Towns served by the trust and its neighbours. */
export const TOWNS: readonly Town[] = [
  { city: "Crewe", county: "Cheshire", area: "CW", districts: [1, 2], localities: ["Wistaston", "Shavington"] },
  { city: "Nantwich", county: "Cheshire", area: "CW", districts: [5], localities: ["Stapeley", "Wybunbury"] },
  { city: "Sandbach", county: "Cheshire", area: "CW", districts: [11], localities: ["Elworth", "Wheelock"] },
  { city: "Middlewich", county: "Cheshire", area: "CW", districts: [10], localities: ["Sproston"] },
  { city: "Winsford", county: "Cheshire", area: "CW", districts: [7], localities: ["Wharton", "Over"] },
  { city: "Northwich", county: "Cheshire", area: "CW", districts: [8, 9], localities: ["Hartford", "Davenham"] },
  { city: "Congleton", county: "Cheshire", area: "CW", districts: [12], localities: ["Mossley", "Buglawton"] },
  { city: "Holmes Chapel", county: "Cheshire", area: "CW", districts: [4], localities: ["Cranage"] },
  { city: "Alsager", county: "Cheshire", area: "ST", districts: [7], localities: ["Church Lawton"] },
  { city: "Knutsford", county: "Cheshire", area: "WA", districts: [16], localities: ["Mobberley"] },
  { city: "Macclesfield", county: "Cheshire", area: "SK", districts: [10, 11], localities: ["Tytherington"] },
  { city: "Chester", county: "Cheshire", area: "CH", districts: [1, 2, 3, 4], localities: ["Hoole", "Upton"] },
  { city: "Ellesmere Port", county: "Cheshire", area: "CH", districts: [65, 66], localities: ["Great Sutton"] },
  { city: "Warrington", county: "Cheshire", area: "WA", districts: [1, 2, 3, 4, 5], localities: ["Great Sankey"] },
  { city: "Stoke-on-Trent", county: "Staffordshire", area: "ST", districts: [1, 2, 3, 4, 6], localities: ["Hanley"] },
  { city: "Newcastle-under-Lyme", county: "Staffordshire", area: "ST", districts: [5], localities: ["Wolstanton"] },
  { city: "Kidsgrove", county: "Staffordshire", area: "ST", districts: [7], localities: ["Talke"] },
  { city: "Stafford", county: "Staffordshire", area: "ST", districts: [16, 17], localities: ["Baswich"] },
  { city: "Whitchurch", county: "Shropshire", area: "SY", districts: [13], localities: ["Prees"] },
  { city: "Market Drayton", county: "Shropshire", area: "TF", districts: [9], localities: ["Hinstock"] },
  { city: "Wrexham", county: "Wrexham", area: "LL", districts: [11, 12, 13], localities: ["Gresford", "Rhosddu"] },
  {
    city: "Manchester",
    county: "Greater Manchester",
    area: "M",
    districts: [14, 20, 21, 22],
    localities: ["Didsbury"],
  },
  { city: "Stockport", county: "Greater Manchester", area: "SK", districts: [1, 2, 3, 4], localities: ["Heaton Moor"] },
  { city: "Liverpool", county: "Merseyside", area: "L", districts: [8, 15, 17, 18], localities: ["Allerton"] },
];

/** Street names (with their suffix). */
export const STREETS: readonly string[] = [
  "High Street",
  "Station Road",
  "Church Lane",
  "Main Road",
  "Park Avenue",
  "Victoria Road",
  "Green Lane",
  "Manor Road",
  "Church Street",
  "Mill Lane",
  "School Lane",
  "Queens Road",
  "New Road",
  "Kings Road",
  "London Road",
  "Chester Road",
  "Crewe Road",
  "Nantwich Road",
  "Middlewich Road",
  "Edleston Road",
  "Wistaston Road",
  "Hospital Street",
  "Welsh Row",
  "Beam Street",
  "Delamere Street",
  "Sandbach Road",
  "Badger Avenue",
  "Westminster Street",
  "Ruskin Road",
  "Gainsborough Road",
  "Hungerford Road",
  "The Crescent",
  "Meadow Close",
  "Orchard Way",
  "Willow Drive",
  "Beech Grove",
  "Oak Tree Close",
  "Hawthorn Way",
  "Rowan Close",
  "Larch Avenue",
  "St John's Road",
  "St Mary's Close",
  "Bridge Street",
  "Canal Side",
  "Brook Lane",
  "Holly Bank",
  "Moss Lane",
  "Heath Road",
  "Ashfield Drive",
  "Woodlands Road",
];

/** Inward-code letters allowed in UK postcodes (no C, I, K, M, O, V). */
export const POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ";

/** Domains for synthetic emails (reserved or test domains only, never real mailboxes). */
export const EMAIL_DOMAINS: readonly string[] = ["pkbtest.com", "example.com", "example.co.uk", "example.org"];
