use stance::vectorize::{FeatureScratch, Vectorizer, VectorizerConfig};
fn main() {
    let mut r = csv::Reader::from_path("target/bench-data/corpus_20000.csv").unwrap();
    let texts: Vec<String> = r.records().map(|x| x.unwrap()[1].to_string()).collect();
    let (v, _) = Vectorizer::fit(VectorizerConfig::default(), &texts[..2000]).unwrap();
    let mut fs = FeatureScratch::default();
    let (mut i, mut x) = (vec![], vec![]);
    let mut nnz = 0;
    for _ in 0..3 {
        for d in &texts {
            v.transform_into(d, &mut fs, &mut i, &mut x);
            nnz += i.len();
        }
    }
    println!("{nnz}");
}
